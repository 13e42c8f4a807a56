package io.chatroute.session.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

/** /ws/dashboard: routing-service's stats.updated as stats frames, alerts once, supervisors and admins only. */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class DashboardTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static KafkaTestClient kafka;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    static String stats(int waiting, String alerts) {
        String data = """
                {"at":"2026-11-24T10:00:0%1$dZ","day":"2026-11-24","queues":[{"queueId":"billing","name":"Billing","open":true,
                 "waiting":%1$d,"longestWaitSeconds":%2$d,"estimatedWaitSeconds":60,"agentsAvailable":1,"agentsAble":2,"freeSlots":1,
                 "serviceLevel":0.5,"serviceLevelTargetSeconds":60}],
                 "agents":[{"agentId":"a1","displayName":"Boris","presence":"AVAILABLE","activeChats":1,"maxConcurrentChats":4,"idleSeconds":0}],
                 "alerts":%3$s}""".formatted(waiting, waiting * 70, alerts);
        EventSchemas.assertValid("routing-service", "stats.updated", data);
        return data;
    }

    @Test
    void supervisorsGetStatsAndEachAlertOnce() throws Exception {
        assertThatThrownBy(() -> WsClient.connect("/ws/dashboard?token=" + TestTokens.agent("a1"))).isInstanceOf(ExecutionException.class);
        assertThatThrownBy(() -> WsClient.connect("/ws/dashboard")).isInstanceOf(ExecutionException.class);

        String alert = "[{\"queueId\":\"billing\",\"kind\":\"wait-over-target\",\"detail\":\"a chat has waited 140 s (target 60 s)\"}]";
        try (WsClient dashboard = WsClient.connect("/ws/dashboard?token=" + TestTokens.supervisor())) {
            kafka.send("stats-events", "live", "stats.updated", "/routing-service", stats(1, "[]"));
            await().atMost(WAIT).until(() -> !dashboard.ofType("stats").isEmpty());
            assertThat(dashboard.ofType("stats").get(0).path("queues").get(0).path("waiting").asInt()).isEqualTo(1);
            assertThat(dashboard.ofType("stats").get(0).path("agents").get(0).path("activeChats").asInt()).isEqualTo(1);

            kafka.send("stats-events", "live", "stats.updated", "/routing-service", stats(2, alert));
            kafka.send("stats-events", "live", "stats.updated", "/routing-service", stats(3, alert)); // still broken: no second alert
            await().atMost(WAIT).until(() -> dashboard.ofType("stats").size() == 3);
            assertThat(dashboard.ofType("alert")).hasSize(1);
            assertThat(dashboard.ofType("alert").get(0).path("kind").asText()).isEqualTo("wait-over-target");
            assertThat(dashboard.ofType("alert").get(0).path("queueId").asText()).isEqualTo("billing");
            // each stats frame carries the alerts in force (an addition): none at first, then the queue's
            assertThat(dashboard.ofType("stats").get(0).path("alerts").isArray()).isTrue();
            assertThat(dashboard.ofType("stats").get(0).path("alerts")).isEmpty();
            assertThat(dashboard.ofType("stats").get(2).path("alerts").get(0).path("kind").asText()).isEqualTo("wait-over-target");

            dashboard.send("{\"type\":\"hello\"}");
            await().atMost(WAIT).until(() -> !dashboard.ofType("error").isEmpty());
        }
        // a dashboard opened later gets the latest view at once
        try (WsClient late = WsClient.connect("/ws/dashboard?token=" + TestTokens.admin())) {
            await().atMost(WAIT).until(() -> !late.ofType("stats").isEmpty());
            assertThat(late.ofType("stats").get(0).path("queues").get(0).path("waiting").asInt()).isEqualTo(3);
            // it missed the alert frame, but sees the alert in force
            assertThat(late.ofType("stats").get(0).path("alerts").get(0).path("queueId").asText()).isEqualTo("billing");
        }
    }
}
