package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

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
 * routing-service's consumers against the real Redis and Kafka, on both channels: while Redis refuses the scripts (an
 * ACL denies EVAL/EVALSHA), a chat.requested or an agent.presence.requested is retried with back-off, not dropped or
 * dead-lettered; once Redis accepts scripts again it is applied. A poison record (unreadable, or breaking what the
 * producer's schema requires) goes to the dead-letter topic and the next record of the chat or agent is applied.
 */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class ConsumerFailureTest {
    static KafkaTestClient kafka;
    static List<Event> chatEvents;
    static List<Event> agentEvents;

    /** The flow test's set-up and helpers, with this class's own ids. */
    final RoutingFlowTest flow = new RoutingFlowTest();
    final String u = flow.u;

    @BeforeAll
    static void start() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
        agentEvents = kafka.collect("agent-events");
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
        return retries("chat-events-in");
    }

    private double retries(String channel) {
        Counter c = meters.find("chatroute_consumer_retries_total").tag("channel", channel).counter();
        return c == null ? 0 : c.count();
    }

    private static List<Event> parked(List<Event> dead, String key) {
        return dead.stream().filter(e -> key.equals(e.key())).toList();
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

    @Test
    void recordsBreakingTheProducersSchemaAreDeadLetteredAndTheChatIsRoutedAfterThem() throws Exception {
        String agent = "cs-" + u;
        flow.setUp(60, agent);
        String chatId = "chat-cs-" + u;
        List<Event> dead = kafka.collect("dead-letter-topic-chat-events-in");
        String now = Instant.now().toString();
        // valid JSON with the chat's id, each breaking one field session-service's schema requires
        kafka.send("chat-events", chatId, "chat.requested", "/session-service", """
                {"chatId":"%s","formId":"f-%s","visitor":{},"form":{"topic":"t-%s"},"requestedAt":"yesterday"}""".formatted(chatId, u, u));
        kafka.send("chat-events", chatId, "chat.offer.accepted", "/session-service", """
                {"chatId":"%s","offerId":"o-1","acceptedAt":"%s"}""".formatted(chatId, now));
        kafka.send("chat-events", chatId, "chat.closed", "/session-service", """
                {"chatId":"%s","by":"robot","closedAt":"%s"}""".formatted(chatId, now));
        // then the chat's valid start, behind them in the same partition
        flow.requestChat(chatId, UUID.randomUUID().toString());

        assertThat(RoutingFlowTest.data(RoutingFlowTest.awaitOne(chatEvents, "chat.offered", chatId, 0)).get("agentId").asText()).isEqualTo(agent);
        await().atMost(RoutingFlowTest.WAIT).until(() -> parked(dead, chatId).size() == 3);
        assertThat(parked(dead, chatId)).extracting(Event::type).containsExactly("chat.requested", "chat.offer.accepted", "chat.closed");
        assertThat(parked(dead, chatId)).extracting(e -> e.headers().get("dead-letter-reason"))
                .satisfiesExactly(r -> assertThat(r).contains("requestedAt"), r -> assertThat(r).contains("agentId"),
                        r -> assertThat(r).contains("by"));
        assertThat(RoutingFlowTest.of(chatEvents, "chat.queued", chatId)).hasSize(1);
        assertThat(RoutingFlowTest.of(chatEvents, "chat.assigned", chatId)).isEmpty();
    }

    @Test
    void aStoreFailureOnAgentEventsIsRetriedAndAppliedAfterwards() throws Exception {
        Fixture f = new Fixture(kafka, chatEvents, agentEvents);
        String agent = f.id("ca");
        f.agent(agent, "{}", 4);
        f.presence(agent, "AVAILABLE");
        double before = retries("agent-events-in");
        redis.execute("ACL", "SETUSER", "default", "+@all", "-eval", "-evalsha");
        try {
            f.presenceRequested(agent, "AWAY", "requested");
            await().atMost(RoutingFlowTest.WAIT).until(() -> retries("agent-events-in") > before + 2);
            assertThat(f.all(agentEvents, "agent.presence.changed", agent)).noneMatch(d -> "AWAY".equals(d.get("status").asText()));
        } finally {
            redis.execute("ACL", "SETUSER", "default", "+@all");
        }
        JsonNode away = f.awaitWhere(agentEvents, "agent.presence.changed", agent, d -> "AWAY".equals(d.get("status").asText()));
        assertThat(away.get("previousStatus").asText()).isEqualTo("AVAILABLE");
    }

    @Test
    void aPoisonAgentEventIsDeadLetteredAndTheAgentsNextEventIsApplied() throws Exception {
        Fixture f = new Fixture(kafka, chatEvents, agentEvents);
        String agent = f.id("cq");
        f.agent(agent, "{}", 4);
        f.presence(agent, "AVAILABLE");
        List<Event> dead = kafka.collect("dead-letter-topic-agent-events-in");
        kafka.send("agent-events", agent, "agent.presence.requested", "/session-service", """
                {"agentId":"%s","status":"SLEEPING","requestedAt":"%s"}""".formatted(agent, Instant.now()));
        kafka.send("agent-events", agent, "agent.connected", "/session-service", "[\"not an object\"]");
        f.presenceRequested(agent, "AWAY", "requested");

        f.awaitWhere(agentEvents, "agent.presence.changed", agent, d -> "AWAY".equals(d.get("status").asText()));
        await().atMost(RoutingFlowTest.WAIT).until(() -> parked(dead, agent).size() == 2);
        assertThat(parked(dead, agent)).extracting(e -> e.headers().get("dead-letter-reason"))
                .satisfiesExactly(r -> assertThat(r).contains("status"), r -> assertThat(r).contains("not a JSON object"));
        assertThat(f.all(agentEvents, "agent.presence.changed", agent)).extracting(d -> d.get("status").asText()).doesNotContain("SLEEPING");
    }
}
