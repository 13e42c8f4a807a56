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
import io.chatroute.routing.messaging.Router;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** The cap holds under many simultaneous claims and dispatches against the real Redis (as several instances would race). */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class CapConcurrencyTest {
    @Inject
    RoutingStore store;
    @Inject
    Router router;

    @Test
    void neverMoreThanTheCap() throws Exception {
        String u = UUID.randomUUID().toString().substring(0, 8);
        String skill = "cap-" + u;
        String queueId = "cq-" + u;
        String agentId = "ca-" + u;
        store.saveQueue(new QueueDefinition(queueId, "Cap", Map.of(skill, 1), 0, 60, null, null, null));
        store.upsertAgent(agentId, new AgentProfile("Cap", null, null, Map.of(skill, 5), 2), Instant.now());
        List<String> chats = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String chatId = "cc-" + u + "-" + i;
            chats.add(chatId);
            Map<String, Object> template = Map.of("chatId", chatId, "queueId", queueId, "ruleId", "r", "requiredSkills", Map.of(skill, 1),
                    "priority", 0, "queuedAt", Instant.now().toString());
            assertThat(store.enqueue(chatId, UUID.randomUUID().toString(), queueId, "r", Map.of(skill, 1), 0, Instant.now(),
                    Map.of("visitor", Map.of(), "form", Map.of()), Map.of("step", "queued"), template, 0).code()).isEqualTo("QUEUED");
        }
        store.setPresence(agentId, Presence.AVAILABLE, null, Instant.now());

        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            final int thread = t;
            Callable<String> task = () -> {
                go.await();
                if (thread % 4 == 0) {
                    router.dispatchQueue(queueId); // the real dispatch path, as another instance would run it
                    return "DISPATCH";
                }
                String chatId = chats.get(thread);
                return store.claim(chatId, agentId, UUID.randomUUID().toString(), Instant.now(), Instant.now().plusSeconds(60),
                        "{\"chatId\":\"" + chatId + "\"}", Map.of("step", "offered")).code();
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
        long offered = chats.stream().filter(c -> "OFFERED".equals(store.chat(c).get("state"))).count();
        assertThat(offered).isEqualTo(2);
        assertThat(offeredByClaims).isLessThanOrEqualTo(2);
        assertThat(store.waitingCount(queueId)).isEqualTo(28);

        // freeing one slot lets exactly one more through
        String first = chats.stream().filter(c -> "OFFERED".equals(store.chat(c).get("state"))).findFirst().orElseThrow();
        assertThat(store.close(first, Instant.now(), UUID.randomUUID().toString()).value(0)).isEqualTo(agentId);
        router.dispatchQueue(queueId);
        assertThat(store.agent(agentId).orElseThrow().active()).isEqualTo(2);
        assertThat(store.waitingCount(queueId)).isEqualTo(27);
        store.setPresence(agentId, Presence.OFFLINE, null, Instant.now());
    }
}
