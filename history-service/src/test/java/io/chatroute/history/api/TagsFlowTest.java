package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** PUT /api/v1/transcripts/{chatId}/tags, chat.tagged and GET /api/v1/tags/stats, over real Kafka and PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class TagsFlowTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static KafkaTestClient kafka;
    private static Events events;
    private static List<KafkaTestClient.Event> published;

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestClient();
        events = new Events(kafka);
        published = kafka.collect("history-events");
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    private static String newChat() {
        return "chat-" + UUID.randomUUID();
    }

    /** A chat history knows (its chat.requested consumed). */
    private static String chat(Instant requestedAt) {
        String chat = newChat();
        events.session("chat.requested", chat, Events.requested(chat, "c-tags", requestedAt));
        await().atMost(WAIT).until(() -> given().auth().oauth2(TestTokens.admin())
                .get("/api/v1/transcripts/{id}", chat).statusCode() == 200);
        return chat;
    }

    private static List<String> transcriptTags(String chat) {
        return given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts/{id}", chat)
                .then().statusCode(200).extract().jsonPath().getList("tags", String.class);
    }

    private static io.restassured.response.Response put(String token, String chat, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).put("/api/v1/transcripts/{id}/tags", chat);
    }

    /**
     * A change of tags over REST is announced on history-events as transcript.tagged (valid against history's schema,
     * keyed by the chat, the tags as stored, who made it), from the outbox written in the change's transaction, and
     * the outbox row is gone once the broker acknowledged it.
     */
    @Test
    void aTagChangeOverRestIsPublishedAsTranscriptTagged() {
        String chat = chat(Events.T0);
        put(TestTokens.supervisor(), chat, List.of("Late-Shipper", "VIP")).then().statusCode(200);
        // sent at once: the sweep would take it only 30 s after the commit (outbox.sweep-after)
        KafkaTestClient.Event e = awaitTagged(chat, "[\"late-shipper\",\"vip\"]", Duration.ofSeconds(15));
        EventSchemas.assertValid("history-service", "transcript.tagged", e.data());
        assertThat(e.source()).isEqualTo("/history-service");
        assertThat(e.id()).isNotBlank();
        JsonPath data = JsonPath.from(e.data());
        assertThat(data.getString("chatId")).isEqualTo(chat);
        assertThat(data.getString("taggedBy")).isEqualTo("supervisor-1");
        await().atMost(WAIT).until(() -> !pending(UUID.fromString(e.id())));

        // a second change: announced too, later (the later taggedAt holds)
        put(TestTokens.platform(), chat, List.of()).then().statusCode(200);
        KafkaTestClient.Event cleared = awaitTagged(chat, "[]");
        assertThat(Instant.parse(JsonPath.from(cleared.data()).getString("taggedAt")))
                .isAfter(Instant.parse(data.getString("taggedAt")));
        assertThat(JsonPath.from(cleared.data()).getString("taggedBy")).isEqualTo("platform-1");

        // a refused change (unknown chat, bad tags) announces nothing: a marker change after them is the next event
        String unknown = newChat();
        put(TestTokens.admin(), unknown, List.of("x")).then().statusCode(404);
        put(TestTokens.admin(), chat, List.of("no/slash")).then().statusCode(400);
        put(TestTokens.admin(), chat, List.of("marker")).then().statusCode(200);
        awaitTagged(chat, "[\"marker\"]");
        assertThat(published.stream().filter(p -> chat.equals(p.key())).map(KafkaTestClient.Event::id).distinct().count())
                .as("one event per accepted change").isEqualTo(3);
        assertThat(published.stream().filter(p -> unknown.equals(p.key()))).as("nothing for the unknown chat").isEmpty();
    }

    /**
     * An event left in the outbox (the process died between the commit and the send, or the broker refused it) is
     * sent by the sweep, with its own id.
     */
    @Test
    void anEventLeftInTheOutboxIsSentByTheSweep() {
        String chat = newChat();
        UUID id = UUID.randomUUID();
        String data = "{\"chatId\":\"" + chat + "\",\"tags\":[\"left-behind\"],\"taggedAt\":\"2026-12-07T00:00:00Z\",\"taggedBy\":\"admin-1\"}";
        pool.preparedQuery("INSERT INTO outbox_event (id, type, chat_id, occurred_at, data, created_at)"
                        + " VALUES ($1, 'transcript.tagged', $2, now() - interval '1 minute', $3, now() - interval '1 minute')")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(id, chat, data)).await().indefinitely();
        KafkaTestClient.Event e = awaitTagged(chat, "[\"left-behind\"]");
        assertThat(e.id()).isEqualTo(id.toString());
        EventSchemas.assertValid("history-service", "transcript.tagged", e.data());
        await().atMost(WAIT).until(() -> !pending(id));
    }

    /** Whether the outbox still holds the event (deleted once the broker acknowledged it). */
    private boolean pending(UUID id) {
        return pool.preparedQuery("SELECT 1 FROM outbox_event WHERE id = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(id))
                .await().indefinitely().size() > 0;
    }

    private static KafkaTestClient.Event awaitTagged(String chat, String tagsJson) {
        return awaitTagged(chat, tagsJson, WAIT);
    }

    private static KafkaTestClient.Event awaitTagged(String chat, String tagsJson, Duration within) {
        await().atMost(within).until(() -> published.stream().anyMatch(p -> isTagged(p, chat, tagsJson)));
        return published.stream().filter(p -> isTagged(p, chat, tagsJson)).findFirst().orElseThrow();
    }

    private static boolean isTagged(KafkaTestClient.Event p, String chat, String tagsJson) {
        return "transcript.tagged".equals(p.type()) && chat.equals(p.key()) && p.data().contains("\"tags\":" + tagsJson);
    }

    @Test
    void tagsAreReplacedNormalisedAndShownByTheTranscript() {
        String chat = chat(Events.T0);
        put(TestTokens.supervisor(), chat, List.of("Late-Shipper", "late-shipper", " VIP ", "Возврат")).then()
                .statusCode(200)
                .contentType(containsString("application/json"))
                .body("chatId", equalTo(chat))
                .body("tags", hasSize(3));
        assertThat(transcriptTags(chat)).containsExactlyInAnyOrder("late-shipper", "vip", "возврат");

        put(TestTokens.platform(), chat, List.of("vip", "refund")).then().statusCode(200);
        assertThat(transcriptTags(chat)).containsExactlyInAnyOrder("refund", "vip");

        put(TestTokens.supervisor(), chat, List.of()).then().statusCode(200).body("tags", hasSize(0));
        assertThat(transcriptTags(chat)).isEmpty();
    }

    @Test
    void badTagsAreA400WithTheFieldsAndChangeNothing() {
        String chat = chat(Events.T0);
        put(TestTokens.admin(), chat, List.of("keep")).then().statusCode(200);
        put(TestTokens.admin(), chat, List.of("ok", "", "a/b", "x".repeat(51))).then()
                .statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", equalTo(List.of("tags[1]", "tags[2]", "tags[3]")));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            many.add("tag-" + i);
        }
        put(TestTokens.admin(), chat, many).then().statusCode(400).body("errors.field", equalTo(List.of("tags")));
        put(TestTokens.admin(), chat, "[\"vip\", 3, null]").then().statusCode(400)
                .body("errors.field", equalTo(List.of("tags[1]", "tags[2]")));
        put(TestTokens.admin(), chat, Map.of("tags", List.of("vip"))).then().statusCode(400)
                .body("errors.field", equalTo(List.of("tags")));
        put(TestTokens.admin(), chat, "[\"vip\"").then().statusCode(400)
                .contentType(containsString("application/problem+json")).body("type", containsString("malformed-json"));
        assertThat(transcriptTags(chat)).containsExactly("keep");
    }

    @Test
    void anUnknownChatIsA404AndRolesAreChecked() {
        put(TestTokens.admin(), "no-such-chat-" + UUID.randomUUID(), List.of("vip")).then()
                .statusCode(404)
                .contentType(containsString("application/problem+json"))
                .body("type", containsString("not-found"));
        given().contentType(ContentType.JSON).body(List.of("vip")).put("/api/v1/transcripts/{id}/tags", "any").then()
                .statusCode(401).contentType(containsString("application/problem+json"));
        put(TestTokens.mint("v-1", "visitor"), "any", List.of("vip")).then()
                .statusCode(403).contentType(containsString("application/problem+json"));
        given().get("/api/v1/tags/stats?from=2025-01-01&to=2025-01-02").then()
                .statusCode(401).contentType(containsString("application/problem+json"));
        // every role of the contract's history section reads the statistics (agents since 2026-12-05); a visitor does not
        given().auth().oauth2(TestTokens.mint("v-1", "visitor")).get("/api/v1/tags/stats?from=2025-01-01&to=2025-01-02").then()
                .statusCode(403).contentType(containsString("application/problem+json"));
        for (String token : List.of(TestTokens.agent("ag-1"), TestTokens.supervisor(), TestTokens.admin(), TestTokens.platform())) {
            given().auth().oauth2(token).get("/api/v1/tags/stats?from=2025-01-01&to=2025-01-02").then().statusCode(200);
        }
    }

    @Test
    void statsCountChatsPerTagPerDayAndWeekByTheirStart() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String a = "a-" + suffix, b = "b-" + suffix;
        Instant monday = Instant.parse("2031-05-05T00:00:00Z");
        String x = chat(monday.plusSeconds(10 * 3600));            // Monday 10:00
        String y = chat(monday.plusSeconds(2 * 86_400 - 1));       // Tuesday 23:59:59
        String z = chat(monday.plusSeconds(8 * 86_400));           // the next Tuesday
        String outside = chat(monday.minusSeconds(1));             // Sunday before: outside every range below
        put(TestTokens.admin(), x, List.of(a, b)).then().statusCode(200);
        put(TestTokens.admin(), y, List.of(a)).then().statusCode(200);
        put(TestTokens.admin(), z, List.of(a)).then().statusCode(200);
        put(TestTokens.admin(), outside, List.of(a, b)).then().statusCode(200);

        JsonPath days = given().auth().oauth2(TestTokens.supervisor())
                .get("/api/v1/tags/stats?from=2031-05-05&to=2031-05-08T00:00:00Z").then()
                .statusCode(200)
                .contentType(containsString("application/json"))
                .body("interval", equalTo("day"))
                .body("from", equalTo("2031-05-05T00:00:00Z"))
                .body("to", equalTo("2031-05-08T00:00:00Z"))
                .body("buckets.start", equalTo(List.of("2031-05-05T00:00:00Z", "2031-05-06T00:00:00Z", "2031-05-07T00:00:00Z")))
                .extract().jsonPath();
        assertThat(mine(days, 0, suffix)).containsOnly(Map.entry(a, 1), Map.entry(b, 1));
        assertThat(mine(days, 1, suffix)).containsOnly(Map.entry(a, 1));
        assertThat(mine(days, 2, suffix)).isEmpty();

        JsonPath weeks = given().auth().oauth2(TestTokens.platform())
                .get("/api/v1/tags/stats?from=2031-05-05&to=2031-05-19&interval=week").then()
                .statusCode(200)
                .body("interval", equalTo("week"))
                .body("buckets.start", equalTo(List.of("2031-05-05T00:00:00Z", "2031-05-12T00:00:00Z")))
                .extract().jsonPath();
        assertThat(mine(weeks, 0, suffix)).containsOnly(Map.entry(a, 2), Map.entry(b, 1));
        assertThat(mine(weeks, 1, suffix)).containsOnly(Map.entry(a, 1));

        // a range starting mid-week counts only what is in it, in buckets aligned on Mondays
        JsonPath partial = given().auth().oauth2(TestTokens.admin())
                .get("/api/v1/tags/stats?from=2031-05-06T00:00:00Z&to=2031-05-13&interval=week").then()
                .statusCode(200)
                .body("buckets.start", equalTo(List.of("2031-05-05T00:00:00Z", "2031-05-12T00:00:00Z")))
                .extract().jsonPath();
        assertThat(mine(partial, 0, suffix)).containsOnly(Map.entry(a, 1));
        assertThat(mine(partial, 1, suffix)).isEmpty();
    }

    /** The counts of this test's tags in one bucket (other tests' tags may share the range). */
    private static Map<String, Integer> mine(JsonPath stats, int bucket, String suffix) {
        Map<String, Integer> all = stats.getMap("buckets[" + bucket + "].tags", String.class, Integer.class);
        Map<String, Integer> mine = new LinkedHashMap<>();
        all.forEach((tag, n) -> {
            if (tag.endsWith(suffix)) {
                mine.put(tag, n);
            }
        });
        return mine;
    }

    @Test
    void statsParametersAreValidated() {
        String sup = TestTokens.supervisor();
        given().auth().oauth2(sup).get("/api/v1/tags/stats").then()
                .statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", equalTo(List.of("from", "to")));
        given().auth().oauth2(sup).get("/api/v1/tags/stats?from=yesterday&to=2025-01-02&interval=month").then()
                .statusCode(400).body("errors.field", equalTo(List.of("from", "interval")));
        given().auth().oauth2(sup).get("/api/v1/tags/stats?from=2025-01-01&to=2026-01-03").then()
                .statusCode(400).body("errors.field", equalTo(List.of("to")))
                .body("errors[0].message", containsString("366"));
        given().auth().oauth2(sup).get("/api/v1/tags/stats?from=2025-01-02&to=2025-01-01").then()
                .statusCode(400).body("errors.field", equalTo(List.of("to")));
    }

    @Test
    void chatTaggedReplacesTheTagsOncePerEventId() {
        String chat = chat(Events.T0);
        // no producer publishes chat.tagged yet (so there is no producer schema to check against): the shape
        // history expects, see its README
        String id = kafka.send(Events.TOPIC, chat, "chat.tagged", "/session-service",
                "{\"chatId\":\"" + chat + "\",\"tags\":[\"Late-Shipper\",\"VIP\"],\"agentId\":\"ag-7\",\"taggedAt\":\"2025-03-01T10:05:00Z\"}");
        await().atMost(WAIT).until(() -> transcriptTags(chat).size() == 2);
        assertThat(transcriptTags(chat)).containsExactly("late-shipper", "vip");

        // the same id again, other content, then a marker on the same partition: the repeat changes nothing
        kafka.send(Events.TOPIC, chat, id, "chat.tagged", "/session-service",
                "{\"chatId\":\"" + chat + "\",\"tags\":[\"other\"]}");
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "marker", Events.T0.plusSeconds(1)));
        await().atMost(WAIT).until(() -> given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts/{id}", chat)
                .then().extract().jsonPath().getList("messages").size() == 1);
        assertThat(transcriptTags(chat)).containsExactly("late-shipper", "vip");

        // a REST write and a later event: the last one applied wins
        put(TestTokens.supervisor(), chat, List.of("refund")).then().statusCode(200);
        kafka.send(Events.TOPIC, chat, "chat.tagged", "/session-service", "{\"chatId\":\"" + chat + "\",\"tags\":[]}");
        await().atMost(WAIT).until(() -> transcriptTags(chat).isEmpty());
    }

    @Test
    void aChatTaggedMadeBeforeTheLastChangeOfTheTagsChangesNothing() {
        String chat = chat(Events.T0);
        int[] markers = {0};
        Runnable marker = () -> { // behind the events on the chat's partition: once it is in, they were processed
            int seq = ++markers[0];
            events.session("chat.message.posted", chat, Events.message(chat, seq, "visitor", null, "marker " + seq,
                    Events.T0.plusSeconds(seq)));
            await().atMost(WAIT).until(() -> given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts/{id}", chat)
                    .then().extract().jsonPath().getList("messages").size() == seq);
        };
        // a supervisor's edit, then an agent's tagging made a minute before it that arrives late
        put(TestTokens.supervisor(), chat, List.of("refund")).then().statusCode(200);
        Instant edited = Instant.now();
        events.session("chat.tagged", chat, "{\"chatId\":\"" + chat + "\",\"tags\":[\"stale\"],\"agentId\":\"ag-7\",\"taggedAt\":\""
                + edited.minusSeconds(60) + "\"}");
        marker.run();
        assertThat(transcriptTags(chat)).containsExactly("refund");

        // a tagging made after the edit applies; an older one consumed after it (a replay, a late retry) does not
        events.session("chat.tagged", chat, "{\"chatId\":\"" + chat + "\",\"tags\":[\"newer\"],\"agentId\":\"ag-7\",\"taggedAt\":\""
                + edited.plusSeconds(60) + "\"}");
        events.session("chat.tagged", chat, "{\"chatId\":\"" + chat + "\",\"tags\":[\"older\"],\"agentId\":\"ag-7\",\"taggedAt\":\""
                + edited.plusSeconds(30) + "\"}");
        marker.run();
        assertThat(transcriptTags(chat)).containsExactly("newer");
    }

    @Test
    void chatTaggedTakesEveryTagSessionServiceAccepts() {
        List<KafkaTestClient.Event> dead = kafka.collect(TranscriptFlowTest.DEAD_LETTER_TOPIC);
        String chat = chat(Events.T0);
        // session-service's schema allows '-' and '_' anywhere: its agent socket acks these, so history must apply them
        String id = events.session("chat.tagged", chat,
                "{\"chatId\":\"" + chat + "\",\"tags\":[\"vip\",\"-urgent\",\"_x\"],\"agentId\":\"ag-7\",\"taggedAt\":\"2025-03-01T10:05:00Z\"}");
        // a marker behind it on the chat's partition: once it is in, the event was applied or dead-lettered
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "marker", Events.T0.plusSeconds(1)));
        await().atMost(WAIT).until(() -> given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts/{id}", chat)
                .then().extract().jsonPath().getList("messages").size() == 1);
        assertThat(transcriptTags(chat)).containsExactly("-urgent", "_x", "vip");
        assertThat(dead).noneMatch(e -> id.equals(e.id()));

        // the REST write takes the same tags (one rule for both)
        put(TestTokens.supervisor(), chat, List.of("_X", " -Urgent ")).then().statusCode(200)
                .body("tags", equalTo(List.of("-urgent", "_x")));
    }
}
