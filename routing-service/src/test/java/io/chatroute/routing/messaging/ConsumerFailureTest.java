package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.KafkaTestClient.Event;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.chatroute.infra.test.InfraTestResource;
import jakarta.inject.Inject;

/**
 * routing-service's consumer against the real Redis and Kafka: while Redis refuses the scripts (an ACL denies
 * EVAL/EVALSHA), a chat.requested is retried with back-off, not dropped or dead-lettered; once Redis accepts
 * scripts again the chat is queued and offered. A poison record goes to the dead-letter topic and the next record
 * of the partition is applied.
 */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class ConsumerFailureTest {
    static KafkaTestClient kafka;
    static List<Event> chatEvents;

    /** The flow test's set-up and helpers, with this class's own ids. */
    final RoutingFlowTest flow = new RoutingFlowTest();
    final String u = flow.u;

    @BeforeAll
    static void start() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
        RoutingFlowTest.kafka = kafka;
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }


    @Inject
    RedisDataSource redis;

    @Inject
    io.chatroute.routing.persistence.RoutingStore store;

    @Inject
    MeterRegistry meters;

    private double retries() {
        Counter c = meters.find("chatroute_consumer_retries_total").tag("channel", "chat-events-in").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aStoreFailureIsRetriedAndTheChatIsRoutedAfterwards() throws Exception {
        String agent = "cf-" + u;
        flow.setUp(60, agent);
        String chatId = "chat-cf-" + u;
        double before = retries();
        redis.execute("ACL", "SETUSER", "default", "+@all", "-eval", "-evalsha");
        try {
            flow.requestChat(chatId, UUID.randomUUID().toString());
            await().atMost(RoutingFlowTest.WAIT).until(() -> retries() > before + 2);
            assertThat(redis.hash(String.class).hget(store.keys().chat(chatId), "state")).isNull();
        } finally {
            redis.execute("ACL", "SETUSER", "default", "+@all");
        }
        assertThat(RoutingFlowTest.data(RoutingFlowTest.awaitOne(chatEvents, "chat.queued", chatId, 0)).get("position").asInt()).isEqualTo(1);
        assertThat(RoutingFlowTest.data(RoutingFlowTest.awaitOne(chatEvents, "chat.offered", chatId, 0)).get("agentId").asText()).isEqualTo(agent);
        assertThat(RoutingFlowTest.of(chatEvents, "chat.queued", chatId)).hasSize(1);
        io.restassured.RestAssured.given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void aPoisonRecordIsDeadLetteredAndThePartitionMovesOn() throws Exception {
        String agent = "cp-" + u;
        flow.setUp(60, agent);
        String chatId = "chat-cp-" + u;
        kafka.send("chat-events", chatId, "chat.requested", "/session-service", "{not json");
        flow.requestChat(chatId, UUID.randomUUID().toString());
        assertThat(RoutingFlowTest.data(RoutingFlowTest.awaitOne(chatEvents, "chat.offered", chatId, 0)).get("agentId").asText()).isEqualTo(agent);

        List<Event> dead = kafka.collect("dead-letter-topic-chat-events-in");
        await().atMost(RoutingFlowTest.WAIT).until(() -> dead.stream().anyMatch(e -> chatId.equals(e.key())));
        Event parked = dead.stream().filter(e -> chatId.equals(e.key())).findFirst().orElseThrow();
        assertThat(parked.data()).isEqualTo("{not json");
        assertThat(parked.headers()).containsKeys("dead-letter-reason", "ce_id", "ce_type");
        assertThat(meters.find("chatroute_consumer_dead_letters_total").counter().count()).isGreaterThanOrEqualTo(1);
    }
}
