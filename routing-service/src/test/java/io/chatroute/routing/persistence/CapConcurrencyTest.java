package io.chatroute.routing.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
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
            String chatId = String.format("cc-%s-%s-%03d", u, queueId, i); // ids in age order (ties of one ms)
            chats.add(chatId);
            assertThat(store.enqueue(chatId, UUID.randomUUID().toString(), Instant.now(), null, queueId, "r", target, Map.of(), 0,
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
        // the presence changes asked for a dispatch of the queue, which races the claims (as another instance would):
        // one claim or that dispatch wins, never two
        assertThat(won).isLessThanOrEqualTo(1);
        assertThat(store.chat(chatId).get("state")).isEqualTo("OFFERED");
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

    /** One pass offers a page at once: every agent filled to its cap, the oldest chats first, nobody over. */
    @Test
    void aPageIsClaimedTogether() {
        String skill = "pg-" + u;
        String queueId = "pq-" + u;
        List<String> agents = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            agents.add("pa-" + u + "-" + i);
        }
        store.saveQueue(new QueueDefinition(queueId, "Page", Map.of(skill, 1), 0, 60, null, null, null));
        Target target = index.ensure(new Target(queueId, Map.of(skill, 1)));
        for (String a : agents) {
            router.upsertAgent(a, new AgentProfile(a, null, null, Map.of(skill, 5), 4));
            store.presence(a, "set", Presence.AVAILABLE, "p-" + a, null, Instant.now());
            index.refresh(index.states(List.of(a)).getFirst());
        }
        List<String> chats = enqueue(queueId, target, 30);

        dispatcher.dispatch(queueId);

        for (String a : agents) {
            assertThat(store.agent(a).orElseThrow().active()).isEqualTo(4);
            assertThat(store.holds(a)).hasSize(4);
        }
        for (int i = 0; i < chats.size(); i++) {
            Map<String, String> chat = store.chat(chats.get(i));
            assertThat(chat.get("state")).as(chats.get(i)).isEqualTo(i < 24 ? "OFFERED" : "QUEUED");
            if (i < 24) {
                assertThat(store.holds(chat.get("agentId"))).containsKey(chats.get(i));
            }
        }
        assertThat(store.waitingCount(queueId)).isEqualTo(6);
        for (String a : agents) {
            router.setPresence(a, Presence.OFFLINE);
        }
    }

    /**
     * A queue that nobody asked to dispatch (the request was lost with a crashed instance: the chats and the agent are
     * in Redis, no event follows) is dispatched by the sweep.
     */
    @Test
    void theSweepDispatchesWhatNobodyAskedFor() {
        String skill = "sw-" + u;
        String queueId = "sq-" + u;
        String agentId = "sa-" + u;
        router.upsertAgent(agentId, new AgentProfile("Sweep", null, null, Map.of(skill, 5), 4)); // before the queue exists
        store.saveQueue(new QueueDefinition(queueId, "Sweep", Map.of(skill, 1), 0, 60, null, null, null));
        Target target = index.ensure(new Target(queueId, Map.of(skill, 1)));
        store.presence(agentId, "set", Presence.AVAILABLE, "p-" + agentId, null, Instant.now()); // the store only: no request
        index.refresh(index.states(List.of(agentId)).getFirst());
        List<String> chats = enqueue(queueId, target, 2); // the store only: no request

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String c : chats) {
                assertThat(store.chat(c).get("state")).isEqualTo("OFFERED");
                assertThat(store.chat(c).get("agentId")).isEqualTo(agentId);
            }
        });
        assertThat(store.agent(agentId).orElseThrow().active()).isEqualTo(2);
        router.setPresence(agentId, Presence.OFFLINE);
    }
}
