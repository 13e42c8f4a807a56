package io.chatroute.knowledge.messaging;

import static io.chatroute.knowledge.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.knowledge.domain.Suggestions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The suggestions' state through real Kafka and PostgreSQL: a chat's context and what was suggested in it (not
 * repeated), suggestion.used recorded once and learned by the article, and the report of unanswered questions.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "knowledge"))
class SuggestionStateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaTestClient kafka;
    private static List<KafkaTestClient.Event> suggested;

    @Inject
    Pool pool;

    @BeforeEach
    void setUp() {
        if (kafka != null) {
            return;
        }
        put("st-track", "Tracking a shipment", "Every shipment has a tracking number in the dispatch email.");
        put("st-track-app", "Tracking in the app", "The app shows the tracking number of every shipment under Orders.");
        put("st-track-sms", "Tracking by text message", "We can text you the tracking number of your shipment.");
        put("st-warranty", "Warranty claims", "Send a warranty claim with the invoice within two years.");
        kafka = new KafkaTestClient();
        suggested = kafka.collect("kb-events");
    }

    @AfterAll
    static void tearDown() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    static void put(String id, String title, String body) {
        as(TestTokens.admin()).body(java.util.Map.of("title", title, "body", body, "language", "en"))
                .put("/api/v1/kb/articles/" + id).then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
    }

    static String posted(String chatId, int seq, String text) {
        String json = """
                {"chatId":"%s","seq":%d,"messageId":"%s","clientMsgId":"c-%d","from":"visitor","senderId":null,"text":"%s","language":"en","sentAt":"%s"}"""
                .formatted(chatId, seq, UUID.randomUUID(), seq, text, Instant.now());
        EventSchemas.assertValid("session-service", "chat.message.posted", json);
        return json;
    }

    static String used(String chatId, String articleId) {
        String json = """
                {"chatId":"%s","articleId":"%s","agentId":"ag-1","usedAt":"%s"}""".formatted(chatId, articleId, Instant.now());
        EventSchemas.assertValid("session-service", "suggestion.used", json);
        return json;
    }

    private static JsonNode suggestionFor(String sourceEventId) throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> suggested.stream().anyMatch(e -> Suggestions.eventId(sourceEventId).equals(e.id())));
        return JSON.readTree(suggested.stream().filter(e -> Suggestions.eventId(sourceEventId).equals(e.id())).findFirst().orElseThrow().data());
    }

    private boolean answered(String sourceEventId) {
        return pool.preparedQuery("select 1 from suggestion_answer where source_event_id = $1").execute(Tuple.of(sourceEventId))
                .await().indefinitely().size() == 1;
    }

    @Test
    void whatWasSuggestedInAChatIsNotRepeatedAndTheContextIsKeptInPostgres() throws Exception {
        String chat = "st-" + UUID.randomUUID();
        String m1 = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 1, "tracking number of my shipment"));
        JsonNode first = suggestionFor(m1);
        List<String> firstIds = first.get("items").findValuesAsText("articleId");
        assertThat(firstIds).hasSize(3).containsAnyOf("st-track", "st-track-app", "st-track-sms");
        // the same question again: those three are not suggested again (none ranks clearly higher)
        String m2 = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 2, "tracking number of the shipment?"));
        await().atMost(Duration.ofSeconds(60)).until(() -> answered(m2));
        // (one may come back only as the first hit when it was not first before: "clearly higher")
        for (KafkaTestClient.Event e : suggested.stream().filter(e -> Suggestions.eventId(m2).equals(e.id())).toList()) {
            List<String> again = JSON.readTree(e.data()).get("items").findValuesAsText("articleId");
            assertThat(again.subList(1, again.size())).doesNotContainAnyElementsOf(firstIds);
            if (firstIds.contains(again.get(0))) {
                assertThat(firstIds.indexOf(again.get(0))).isGreaterThan(0);
            }
        }
        // a new subject is suggested
        String m3 = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 3, "warranty claim"));
        assertThat(suggestionFor(m3).get("items").findValuesAsText("articleId")).contains("st-warranty");
        // the context: the chat's latest visitor messages, in PostgreSQL (a restart or another instance reads the same)
        List<String> context = pool.preparedQuery("select text from chat_context where chat_id = $1 order by seq").execute(Tuple.of(chat))
                .await().indefinitely().stream().map(r -> r.getString(0)).toList();
        assertThat(context).containsExactly("tracking number of my shipment", "tracking number of the shipment?", "warranty claim");
        // the redelivered first message: the same kb.suggested (stored), same id
        kafka.send("chat-events", chat, m1, "chat.message.posted", "/session-service", posted(chat, 1, "tracking number of my shipment"));
        await().atMost(Duration.ofSeconds(60)).until(() -> suggested.stream().filter(e -> Suggestions.eventId(m1).equals(e.id())).count() == 2);
        List<String> both = suggested.stream().filter(e -> Suggestions.eventId(m1).equals(e.id())).map(KafkaTestClient.Event::data).toList();
        assertThat(both.get(1)).isEqualTo(both.get(0));
    }

    @Test
    void suggestionUsedIsRecordedOnceAndTheArticleLearnsTheQuestion() throws Exception {
        String chat = "st-" + UUID.randomUUID();
        String question = "frobnicator blinks red";
        String m1 = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 1, question));
        await().atMost(Duration.ofSeconds(60)).until(() -> answered(m1));
        // the agent found the warranty article by hand and used it
        String use = kafka.send("chat-events", chat, "suggestion.used", "/session-service", used(chat, "st-warranty"));
        kafka.send("chat-events", chat, use, "suggestion.used", "/session-service", used(chat, "st-warranty"));
        await().atMost(Duration.ofSeconds(60)).until(() -> pool.preparedQuery("select 1 from suggestion_use where event_id = $1")
                .execute(Tuple.of(use)).await().indefinitely().size() == 1);
        // the article was re-indexed with what it learned
        await().atMost(Duration.ofSeconds(60)).until(() -> as(TestTokens.agent("a1")).get("/api/v1/kb/search?q=frobnicator&language=en")
                .then().statusCode(200).extract().jsonPath().getList("articleId").contains("st-warranty"));
        // another visitor asks the same: the warranty article is suggested now
        String other = "st-" + UUID.randomUUID();
        String m2 = kafka.send("chat-events", other, "chat.message.posted", "/session-service", posted(other, 1, "the frobnicator blinks"));
        assertThat(suggestionFor(m2).get("items").get(0).get("articleId").asText()).isEqualTo("st-warranty");
        // recorded once, learned once, though delivered twice
        assertThat(pool.preparedQuery("select question from suggestion_use where chat_id = $1").execute(Tuple.of(chat))
                .await().indefinitely().size()).isEqualTo(1);
        String learned = pool.preparedQuery("select learned from article where id = 'st-warranty'").execute()
                .await().indefinitely().iterator().next().getString(0);
        assertThat(learned).isEqualTo("[\"" + question + "\"]");
    }

    @Test
    void unansweredQuestionsReportMostFrequentFirst() {
        String nonsense = "plumbus " + UUID.randomUUID().toString().substring(0, 8);
        String last = null;
        for (int i = 0; i < 4; i++) {
            String chat = "st-" + UUID.randomUUID();
            String text = i % 2 == 0 ? nonsense.toUpperCase() + "??" : nonsense + ", " ;
            last = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 1, text.strip()));
        }
        String marker = last;
        await().atMost(Duration.ofSeconds(60)).until(() -> answered(marker));
        JsonPath report = as(TestTokens.supervisor()).get("/api/v1/kb/reports/unanswered?language=en&limit=500").then().statusCode(200)
                .extract().jsonPath();
        List<Integer> counts = report.getList("count", Integer.class);
        assertThat(counts).isSortedAccordingTo((a, b) -> Integer.compare(b, a));
        int at = report.getList("question", String.class).indexOf(nonsense.toLowerCase());
        assertThat(at).isGreaterThanOrEqualTo(0);
        assertThat(report.getInt("[" + at + "].count")).isEqualTo(4);
        assertThat(report.getString("[" + at + "].language")).isEqualTo("en");
        assertThat(report.getString("[" + at + "].lastSeen")).isNotNull();
        assertThat(report.getString("[" + at + "].example")).containsIgnoringCase(nonsense);
        as(TestTokens.agent("a1")).get("/api/v1/kb/reports/unanswered").then().statusCode(403);
        as(TestTokens.admin()).get("/api/v1/kb/reports/unanswered?limit=0").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", org.hamcrest.Matchers.is("limit"));
    }
}
