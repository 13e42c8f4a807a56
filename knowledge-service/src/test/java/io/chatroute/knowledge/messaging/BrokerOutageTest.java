package io.chatroute.knowledge.messaging;

import static io.chatroute.knowledge.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.SharedInfra;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.knowledge.domain.Suggestions;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A real transient failure of the store the consumer writes to, the broker's {@code kb-events}: the topic's
 * {@code max.message.bytes} is lowered to 10 bytes, so the broker refuses every kb.suggested send until the
 * setting is removed. (Kafka 4 does not refuse {@code acks=all} writes for {@code min.insync.replicas} above
 * the replication factor, so a one-node cluster cannot be made short of replicas.) The consumer retries,
 * holds the chat's later message back, turns not-ready, and afterwards answers both messages, in order, with
 * their stable ids. Nothing is skipped or dead-lettered.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "knowledge"))
class BrokerOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ConfigResource KB_EVENTS = new ConfigResource(ConfigResource.Type.TOPIC, "kb-events");
    private static KafkaTestClient kafka;
    private static Admin admin;

    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestClient();
        admin = Admin.create(Map.<String, Object>of("bootstrap.servers", SharedInfra.get().kafkaBootstrapServers()));
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
        admin.close();
    }

    @Test
    void messagesArrivingWhileKbEventsRefusesWritesAreAnsweredLaterInOrder() throws Exception {
        as(TestTokens.admin()).body("""
                {"title":"Flux capacitor repairs","body":"A broken flux capacitor is repaired free of charge.","language":"en"}""")
                .put("/api/v1/kb/articles/outage-flux").then().statusCode(anyOf(is(200), is(201)));
        // the second message asks about another subject: an article suggested in a chat is not suggested again
        as(TestTokens.admin()).body("""
                {"title":"Time circuit calibration","body":"Time circuits that show the wrong date are recalibrated.","language":"en"}""")
                .put("/api/v1/kb/articles/outage-time").then().statusCode(anyOf(is(200), is(201)));
        List<KafkaTestClient.Event> suggested = kafka.collect("kb-events");
        List<KafkaTestClient.Event> dead = kafka.collect(SuggestionFlowTest.DEAD_LETTER_TOPIC);
        String chat = "chat-" + UUID.randomUUID();
        double retriesBefore = retries();

        refuseWrites(AlterConfigOp.OpType.SET);
        try {
            String first = kafka.send("chat-events", chat, "chat.message.posted", "/session-service",
                    posted(chat, 1, "My flux capacitor is broken"));
            String second = kafka.send("chat-events", chat, "chat.message.posted", "/session-service",
                    posted(chat, 2, "my time circuits show the wrong date"));

            // the consumer is retrying: failed sends counted, nothing published, readiness DOWN after the threshold
            await().atMost(WAIT).until(() -> retries() >= retriesBefore + 2);
            await().atMost(WAIT).until(() -> "DOWN".equals(consumerReadiness()));
            assertThat(forChat(suggested, chat)).isEmpty();

            refuseWrites(AlterConfigOp.OpType.DELETE);

            await().atMost(WAIT).until(() -> forChat(suggested, chat).stream().map(KafkaTestClient.Event::id)
                    .distinct().count() == 2);
            List<KafkaTestClient.Event> events = forChat(suggested, chat);
            // in the order of the messages, each with the id derived from its message's id
            assertThat(events.stream().map(KafkaTestClient.Event::id).distinct().toList())
                    .containsExactly(Suggestions.eventId(first), Suggestions.eventId(second));
            assertThat(events.stream().map(e -> forSeq(e.data())).distinct().toList()).containsExactly(1, 2);
            events.forEach(e -> EventSchemas.assertValid("knowledge-service", "kb.suggested", e.data()));
            await().atMost(WAIT).until(() -> "UP".equals(consumerReadiness()));
            assertThat(dead).noneMatch(e -> chat.equals(e.key()));
        } finally {
            refuseWrites(AlterConfigOp.OpType.DELETE);
        }
    }

    /** SET: the broker accepts no record bigger than 10 bytes on kb-events; DELETE: back to the default. */
    private static void refuseWrites(AlterConfigOp.OpType op) throws Exception {
        admin.incrementalAlterConfigs(Map.of(KB_EVENTS,
                List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "10"), op)))).all().get();
    }

    private double retries() {
        return registry.counter("chatroute.consumer.retries", "service", "knowledge-service", "channel", "chat-events").count();
    }

    private static String consumerReadiness() {
        return given().get("/q/health/ready").then().extract().jsonPath()
                .getString("checks.find { it.name == 'chat-events consumer' }.status");
    }

    private static List<KafkaTestClient.Event> forChat(List<KafkaTestClient.Event> events, String chat) {
        return events.stream().filter(e -> chat.equals(e.key())).toList();
    }

    private static int forSeq(String data) {
        try {
            return JSON.readTree(data).get("forSeq").asInt();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String posted(String chat, int seq, String text) {
        String json = """
                {"chatId":"%s","seq":%d,"messageId":"%s","clientMsgId":null,"from":"visitor","senderId":null,"text":"%s","language":"en","sentAt":"%s"}"""
                .formatted(chat, seq, UUID.randomUUID(), text, Instant.now());
        EventSchemas.assertValid("session-service", "chat.message.posted", json);
        return json;
    }
}
