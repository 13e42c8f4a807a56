package io.chatroute.knowledge.messaging;

import static io.chatroute.knowledge.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.knowledge.domain.Bot;
import io.chatroute.knowledge.domain.Suggestions;
import io.chatroute.knowledge.support.FakeSessionService;
import io.chatroute.knowledge.support.PostgresOutage;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * A real transient failure of each consumer's store, PostgreSQL ({@link PostgresOutage}: the database refuses new
 * connections and the service's open ones are terminated), while an event the consumer must act on arrives. The
 * consumer retries (counted per channel), applies nothing, dead-letters nothing; once PostgreSQL is back the event
 * is applied exactly once. A marker event of the same chat (same partition, after it) is awaited last: a duplicate
 * would have come before it. Same test resources as {@link BotFlowTest}, so the two share one application start.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "knowledge"))
@QuarkusTestResource(FakeSessionService.class)
class StoreOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONSUMER_CHECK = "checks.find { it.name == 'chat-events consumer' }";
    private static KafkaTestClient kafka;
    private static List<KafkaTestClient.Event> suggested;
    private static List<KafkaTestClient.Event> deadSuggestions;
    private static List<KafkaTestClient.Event> deadBot;

    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestClient();
        suggested = kafka.collect("kb-events");
        deadSuggestions = kafka.collect(SuggestionFlowTest.DEAD_LETTER_TOPIC);
        deadBot = kafka.collect(BotFlowTest.DEAD_LETTER_TOPIC);
    }

    @BeforeEach
    void articles() {
        BotFlowTest.articles();
        // two subjects: an article suggested in a chat is not suggested again, so the marker asks about the other
        as(TestTokens.admin()).body("""
                {"title":"Warp drive hum","body":"A humming warp drive needs its plasma coils aligned.","language":"en"}""")
                .put("/api/v1/kb/articles/store-outage-warp").then().statusCode(anyOf(is(200), is(201)));
        as(TestTokens.admin()).body("""
                {"title":"Holodeck bookings","body":"Holodeck sessions are booked at the ship's front desk.","language":"en"}""")
                .put("/api/v1/kb/articles/store-outage-holodeck").then().statusCode(anyOf(is(200), is(201)));
        FakeSessionService.down = false;
        // no retry left over from before: every retry counted from here is this test's
        await().atMost(WAIT).until(() -> retryingRecords() == 0);
    }

    @AfterEach
    void disableBot() {
        // the other test classes run with the bot off
        as(TestTokens.admin()).body("{\"enabled\":false}").put("/api/v1/kb/bot").then().statusCode(200);
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void suggestionsAVisitorMessageArrivingWhilePostgresqlIsDownIsAnsweredOnceItIsBack() throws Exception {
        String chat = "chat-" + UUID.randomUUID();
        double retriesBefore = retries("chat-events");
        double deadLettersBefore = deadLetters("chat-events");
        try (PostgresOutage outage = new PostgresOutage()) {
            outage.begin();
            String message = kafka.send("chat-events", chat, "chat.message.posted", "/session-service",
                    BotFlowTest.posted(chat, 1, "my warp drive hums"));

            // retried, not applied, not published, not dead-lettered
            await().atMost(WAIT).until(() -> retries("chat-events") >= retriesBefore + 3);
            await().atMost(WAIT).until(() -> "DOWN".equals(consumerReadiness()));
            assertThat(outage.count("SELECT count(*) FROM suggestion_answer WHERE source_event_id = ?", message)).isZero();
            assertThat(forChat(suggested, chat)).isEmpty();
            assertThat(deadLetters("chat-events")).isEqualTo(deadLettersBefore);

            outage.end();
            String marker = kafka.send("chat-events", chat, "chat.message.posted", "/session-service",
                    BotFlowTest.posted(chat, 2, "how do I book the holodeck"));

            await().atMost(WAIT).until(() -> forChat(suggested, chat).stream()
                    .anyMatch(e -> Suggestions.eventId(marker).equals(e.id())));
            List<KafkaTestClient.Event> events = forChat(suggested, chat);
            // the message's kb.suggested exactly once, before the marker's, each with its stable id
            assertThat(events).extracting(KafkaTestClient.Event::id)
                    .containsExactly(Suggestions.eventId(message), Suggestions.eventId(marker));
            assertThat(events).extracting(e -> JSON.readTree(e.data()).get("forSeq").asInt()).containsExactly(1, 2);
            assertThat(JSON.readTree(events.get(0).data()).get("items").get(0).get("articleId").asText())
                    .isEqualTo("store-outage-warp");
            events.forEach(e -> EventSchemas.assertValid("knowledge-service", "kb.suggested", e.data()));
            assertThat(outage.count("SELECT count(*) FROM suggestion_answer WHERE source_event_id = ?", message)).isEqualTo(1);
            await().atMost(WAIT).until(() -> "UP".equals(consumerReadiness()));
            assertThat(deadLetters("chat-events")).isEqualTo(deadLettersBefore);
            assertThat(deadSuggestions).noneMatch(e -> chat.equals(e.key()));
        }
    }

    @Test
    void botAVisitorMessageArrivingWhilePostgresqlIsDownIsAnsweredOnceItIsBack() throws Exception {
        BotFlowTest.bot(true, true);
        String chat = "bot-" + UUID.randomUUID();
        try (PostgresOutage outage = new PostgresOutage()) {
            kafka.send("chat-events", chat, "chat.requested", "/session-service", BotFlowTest.requested(chat, null));
            String queued = kafka.send("chat-events", chat, "chat.queued", "/routing-service", BotFlowTest.queued(chat));
            // the chat is known to wait before the outage
            await().atMost(WAIT).until(() -> outage.count("SELECT count(*) FROM bot_event WHERE event_id = ?", queued) == 1);
            double retriesBefore = retries("bot-events");
            double deadLettersBefore = deadLetters("bot-events");

            outage.begin();
            String question = kafka.send("chat-events", chat, "chat.message.posted", "/session-service",
                    BotFlowTest.posted(chat, 1, "how long does a refund take"));

            // retried, not applied, nothing posted, not dead-lettered
            await().atMost(WAIT).until(() -> retries("bot-events") >= retriesBefore + 3);
            assertThat(outage.count("SELECT count(*) FROM bot_event WHERE event_id = ?", question)).isZero();
            assertThat(outage.count("SELECT count(*) FROM bot_reply WHERE chat_id = ?", chat)).isZero();
            assertThat(FakeSessionService.ATTEMPTS).doesNotContain(chat);
            assertThat(deadLetters("bot-events")).isEqualTo(deadLettersBefore);

            outage.end();
            // below the threshold: processed without an answer; once it is, the question was decided long before
            String marker = kafka.send("chat-events", chat, "chat.message.posted", "/session-service",
                    BotFlowTest.posted(chat, 2, "xylophone quokka"));
            await().atMost(WAIT).until(() -> outage.count("SELECT count(*) FROM bot_event WHERE event_id = ?", marker) == 1);

            // the answer to the question, posted once (one attempt: no retried post either)
            assertThat(FakeSessionService.postsFor(chat)).hasSize(1);
            FakeSessionService.Post post = FakeSessionService.postsFor(chat).get(0);
            assertThat(post.clientMsgId()).isEqualTo(Bot.clientMsgId(question));
            assertThat(post.from()).isEqualTo("bot");
            assertThat(post.text()).contains("Refund timing");
            assertThat(FakeSessionService.ATTEMPTS.stream().filter(chat::equals)).hasSize(1);
            assertThat(outage.count("SELECT count(*) FROM bot_reply WHERE chat_id = ? AND status = 'POSTED'", chat)).isEqualTo(1);
            assertThat(deadLetters("bot-events")).isEqualTo(deadLettersBefore);
            assertThat(deadBot).noneMatch(e -> chat.equals(e.key()));
        }
    }

    /** chatroute_consumer_retries_total{service="knowledge-service",channel=...} */
    private double retries(String channel) {
        return registry.counter("chatroute.consumer.retries", "service", "knowledge-service", "channel", channel).count();
    }

    /** chatroute_consumer_dead_letters_total{service="knowledge-service",channel=...} */
    private double deadLetters(String channel) {
        return registry.counter("chatroute.consumer.dead.letters", "service", "knowledge-service", "channel", channel).count();
    }

    private static String consumerReadiness() {
        return readiness().getString(CONSUMER_CHECK + ".status");
    }

    /** Records being retried now, on both channels (the consumers' readiness check reports them). */
    private static int retryingRecords() {
        return readiness().getInt(CONSUMER_CHECK + ".data.retryingRecords");
    }

    private static JsonPath readiness() {
        return given().get("/q/health/ready").then().extract().jsonPath();
    }

    private static List<KafkaTestClient.Event> forChat(List<KafkaTestClient.Event> events, String chat) {
        return events.stream().filter(e -> chat.equals(e.key())).toList();
    }
}
