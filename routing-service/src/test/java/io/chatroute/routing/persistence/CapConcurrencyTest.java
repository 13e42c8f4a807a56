package io.chatroute.routing.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.routing.domain.AgentProfile;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.Target;
import io.chatroute.routing.messaging.Dispatcher;
import io.chatroute.routing.messaging.Router;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The cap holds under many simultaneous claims and dispatches against the real Redis (as several instances would race),
 * and one chat is never offered to two agents: a claim is the agent's slot first (agent_hold.lua, the cap's one atomic
 * check) and then the chat (chat_offer.lua, one winner per epoch); a claim that loses the chat gives the slot back.
 */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class CapConcurrencyTest {
    @Inject
    RoutingStore store;
    @Inject
    Router router;
    @Inject
    Dispatcher dispatcher;
    @Inject
    CandidateIndex index;

    final String u = UUID.randomUUID().toString().substring(0, 8);

    List<String> enqueue(String queueId, Target target, int n) {
        List<String> chats = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String chatId = "cc-" + u + "-" + queueId + "-" + i;
            chats.add(chatId);
            assertThat(store.enqueue(chatId, UUID.randomUUID().toString(), Instant.now(), queueId, "r", target, Map.of(), 0,
                    Map.of("visitor", Map.of(), "form", Map.of()), Map.of("step", "queued"), null, null).code()).isEqualTo("QUEUED");
            router.ensureIndexed(chatId, queueId, "enqueued");
        }
        return chats;
    }

    /** One direct claim as a second instance's dispatch would make it: the agent's slot, then the chat. */
    String claim(String queueId, String chatId, String agentId) {
        String offerId = UUID.randomUUID().toString();
        Instant now = Instant.now();
        if (!"HELD".equals(store.hold(agentId, chatId, offerId, now).code())) {
            return "AGENT_LOST";
        }
        long epoch = Long.parseLong(store.chat(chatId).getOrDefault("epoch", "0"));
        String code = store.offer(chatId, agentId, offerId, now, now.plusSeconds(60), epoch, "{\"chatId\":\"" + chatId + "\"}",
                Map.of("step", "offered")).code();
        if ("OFFERED".equals(code)) {
            store.unindex(queueId, chatId, epoch);
            return code;
        }
        store.unhold(agentId, chatId, offerId, "compensate", Instant.now());
        return code;
    }

    @Test
    void neverMoreThanTheCap() throws Exception {
        String skill = "cap-" + u;
        String queueId = "cq-" + u;
        String agentId = "ca-" + u;
        store.saveQueue(new QueueDefinition(queueId, "Cap", Map.of(skill, 1), 0, 60, null, null, null));
        Target target = index.ensure(new Target(queueId, Map.of(skill, 1)));
        router.upsertAgent(agentId, new AgentProfile("Cap", null, null, Map.of(skill, 5), 2));
        List<String> chats = enqueue(queueId, target, 30);
        store.presence(agentId, "set", Presence.AVAILABLE, "p-" + u, null, Instant.now());
        index.refresh(index.states(List.of(agentId)).getFirst());

        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            final int thread = t;
            Callable<String> task = () -> {
                go.await();
                if (thread % 4 == 0) {
                    dispatcher.dispatch(queueId); // the real dispatch path, as another instance would run it
                    return "DISPATCH";
                }
                return claim(queueId, chats.get(thread), agentId);
            };
            results.add(pool.submit(task));
        }
        go.countDown();
        long offeredByClaims = 0;
        for (Future<String> f : results) {
            if ("OFFERED".equals(f.get(30, TimeUnit.SECONDS))) {
                offeredByClaims++;
            }
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        AgentRecord agent = store.agent(agentId).orElseThrow();
        assertThat(agent.active()).isEqualTo(2);
        assertThat(store.holds(agentId)).hasSize(2);
        long offered = chats.stream().filter(c -> "OFFERED".equals(store.chat(c).get("state"))).count();
        assertThat(offered).isEqualTo(2);
        assertThat(offeredByClaims).isLessThanOrEqualTo(2);
        assertThat(store.waitingCount(queueId)).isEqualTo(28);

        // freeing one slot lets exactly one more through
        String first = chats.stream().filter(c -> "OFFERED".equals(store.chat(c).get("state"))).findFirst().orElseThrow();
        RoutingStore.Outcome closed = store.close(first, Instant.now(), UUID.randomUUID().toString());
        assertThat(closed.value(0)).isEqualTo(agentId);
        index.refresh(store.unhold(agentId, first, closed.value(6), "closed", Instant.now()).state());
        dispatcher.dispatch(queueId);
        assertThat(store.agent(agentId).orElseThrow().active()).isEqualTo(2);
        assertThat(store.waitingCount(queueId)).isEqualTo(27);
        router.setPresence(agentId, Presence.OFFLINE);
    }

    @Test
    void oneChatNeverGoesToTwoAgents() throws Exception {
        String skill = "two-" + u;
        String queueId = "tq-" + u;
        List<String> agents = List.of("ta-" + u, "tb-" + u, "tc-" + u, "td-" + u);
        store.saveQueue(new QueueDefinition(queueId, "Two", Map.of(skill, 1), 0, 60, null, null, null));
        Target target = index.ensure(new Target(queueId, Map.of(skill, 1)));
        for (String a : agents) {
            router.upsertAgent(a, new AgentProfile(a, null, null, Map.of(skill, 5), 4));
            router.setPresence(a, Presence.AVAILABLE);
        }
        String chatId = enqueue(queueId, target, 1).getFirst();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            final String agent = agents.get(t % agents.size());
            results.add(pool.submit(() -> {
                go.await();
                return claim(queueId, chatId, agent);
            }));
        }
        go.countDown();
        long won = 0;
        for (Future<String> f : results) {
            if ("OFFERED".equals(f.get(30, TimeUnit.SECONDS))) {
                won++;
            }
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(won).isEqualTo(1);
        // exactly one agent holds a slot for it; every losing claim gave its slot back
        long holding = agents.stream().filter(a -> store.holds(a).containsKey(chatId)).count();
        assertThat(holding).isEqualTo(1);
        assertThat(agents.stream().mapToInt(a -> store.agent(a).orElseThrow().active()).sum()).isEqualTo(1);
        String owner = store.chat(chatId).get("agentId");
        assertThat(store.holds(owner)).containsKey(chatId);
        for (String a : agents) {
            router.setPresence(a, Presence.OFFLINE);
        }
    }
}
