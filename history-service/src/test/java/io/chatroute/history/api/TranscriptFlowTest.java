package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/** Events through real Kafka into real PostgreSQL, read back over REST. */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class TranscriptFlowTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    static final String DEAD_LETTER_TOPIC = "dead-letter-topic-history-chat-events";
    private static KafkaTestClient kafka;
    private static Events events;

    @Inject
    AgroalDataSource dataSource;

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestClient();
        events = new Events(kafka);
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    private static String newChat() {
        return "chat-" + UUID.randomUUID();
    }

    private static JsonPath transcript(String chatId) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chatId)
                .then().extract().jsonPath();
    }

    private static int status(String chatId) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chatId).statusCode();
    }

    private static List<Integer> seqs(String chatId) {
        return transcript(chatId).getList("messages.seq", Integer.class);
    }

    @Test
    void aWholeChatBecomesATranscriptWithEveryMessageOnceInOrder() {
        String chat = newChat();
        var t0 = Events.T0;
        events.session("chat.requested", chat, Events.requested(chat, "c-flow", t0));
        events.routing("chat.queued", chat, Events.queued(chat, "billing-ru", t0.plusSeconds(1)));
        events.routing("chat.assigned", chat, Events.assigned(chat, "ag-7", "billing-ru", t0.plusSeconds(5)));
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "I was charged twice", t0.plusSeconds(6)));
        events.session("chat.message.posted", chat, Events.message(chat, 2, "agent", "ag-7", "Let me check", t0.plusSeconds(7)));
        events.session("chat.message.posted", chat, Events.message(chat, 3, "visitor", null, "Thanks", t0.plusSeconds(8)));
        events.session("chat.closed", chat, Events.closed(chat, "agent", "ag-7", t0.plusSeconds(60)));

        await().atMost(WAIT).until(() -> status(chat) == 200 && "CLOSED".equals(transcript(chat).getString("status"))
                && seqs(chat).size() == 3);

        given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chat).then()
                .statusCode(200)
                .contentType(containsString("application/json"))
                .body("chatId", equalTo(chat))
                .body("formId", equalTo("default"))
                .body("visitor.name", equalTo("Anna"))
                .body("visitor.customerId", equalTo("c-flow"))
                .body("form.topic", equalTo("billing"))
                .body("queueId", equalTo("billing-ru"))
                .body("agentId", equalTo("ag-7"))
                .body("agents", hasSize(1))
                .body("agents[0].id", equalTo("ag-7"))
                .body("agents[0].displayName", equalTo("Boris"))
                .body("times.requestedAt", equalTo("2025-03-01T10:00:00Z"))
                .body("times.queuedAt", equalTo("2025-03-01T10:00:01Z"))
                .body("times.assignedAt", equalTo("2025-03-01T10:00:05Z"))
                .body("times.closedAt", equalTo("2025-03-01T10:01:00Z"))
                .body("closedBy", equalTo("agent"))
                .body("routing.ruleId", equalTo("ru-billing"))
                .body("messages.seq", equalTo(List.of(1, 2, 3)))
                .body("messages.from", equalTo(List.of("visitor", "agent", "visitor")))
                .body("messages[1].senderId", equalTo("ag-7"))
                .body("messages[1].text", equalTo("Let me check"))
                .body("tags", hasSize(0))
                .body("survey", nullValue());

        String text = given().auth().oauth2(TestTokens.platform())
                .get("/api/v1/transcripts/{id}?format=text", chat).then()
                .statusCode(200)
                .contentType(containsString("text/plain"))
                .header("X-Content-Type-Options", "nosniff")
                .extract().asString();
        assertThat(text).startsWith("Chat " + chat + " (CLOSED)")
                .contains("#1 Visitor Anna: I was charged twice", "#2 Agent Boris: Let me check", "#3 Visitor Anna: Thanks");
        assertThat(text.indexOf("#1 ")).isLessThan(text.indexOf("#2 "));
    }

    @Test
    void theSameEventIdIsAppliedOnce() throws Exception {
        String chat = newChat();
        events.session("chat.requested", chat, Events.requested(chat, "c-dup", Events.T0));
        String id = UUID.randomUUID().toString();
        String first = Events.message(chat, 1, "visitor", null, "hello", Events.T0.plusSeconds(1));
        events.send("session-service", "chat.message.posted", chat, id, first);
        events.send("session-service", "chat.message.posted", chat, id, first);
        // same id, other content: a redelivery must change nothing, whatever it carries
        events.send("session-service", "chat.message.posted", chat, id,
                Events.message(chat, 2, "visitor", null, "not me", Events.T0.plusSeconds(2)));
        events.session("chat.message.posted", chat, Events.message(chat, 3, "visitor", null, "marker", Events.T0.plusSeconds(3)));

        // all four share the chat's partition and are applied in order: once 3 is there, the rest were handled
        await().atMost(WAIT).until(() -> status(chat) == 200 && seqs(chat).contains(3));
        assertThat(seqs(chat)).containsExactly(1, 3);
        assertThat(transcript(chat).getList("messages.text", String.class)).containsExactly("hello", "marker");
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = ?", id)).isEqualTo(1);
    }

    @Test
    void aRepeatedMessageUnderANewIdIsStoredOnce() {
        String chat = newChat();
        String m1 = Events.message(chat, 1, "visitor", null, "hello", Events.T0);
        events.session("chat.message.posted", chat, m1);
        events.session("chat.message.posted", chat, m1);
        events.session("chat.message.posted", chat, Events.message(chat, 2, "visitor", null, "marker", Events.T0.plusSeconds(1)));
        await().atMost(WAIT).until(() -> status(chat) == 200 && seqs(chat).contains(2));
        assertThat(seqs(chat)).containsExactly(1, 2);
    }

    @Test
    void messagesOutOfOrderAreServedInSeqOrderAndAPlaceholderIsFilledInLater() {
        String chat = newChat();
        events.session("chat.message.posted", chat, Events.message(chat, 2, "agent", "ag-1", "second", Events.T0.plusSeconds(2)));
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "first", Events.T0.plusSeconds(1)));
        await().atMost(WAIT).until(() -> status(chat) == 200 && seqs(chat).size() == 2);
        JsonPath t = transcript(chat);
        assertThat(t.getList("messages.seq", Integer.class)).containsExactly(1, 2);
        assertThat(t.getList("messages.text", String.class)).containsExactly("first", "second");
        assertThat(t.getString("status")).isEqualTo("UNKNOWN");

        events.session("chat.requested", chat, Events.requested(chat, "c-late", Events.T0));
        await().atMost(WAIT).until(() -> "c-late".equals(transcript(chat).getString("visitor.customerId")));
        assertThat(transcript(chat).getString("status")).isEqualTo("REQUESTED");
        assertThat(seqs(chat)).containsExactly(1, 2);
    }

    @Test
    void aPoisonMessageIsDeadLetteredAndDoesNotBlockTheChat() throws Exception {
        List<KafkaTestClient.Event> dead = kafka.collect(DEAD_LETTER_TOPIC);
        String chat = newChat();
        String poison = "{\"chatId\":\"" + chat + "\",\"seq\":\"one\"";
        assertThatThrownBy(() -> EventSchemas.assertValid("session-service", "chat.message.posted", poison))
                .isInstanceOf(Throwable.class);
        String poisonId = kafka.send(Events.TOPIC, chat, "chat.message.posted", "/session-service", poison);
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "after", Events.T0));

        // same key, same partition, later offset: the consumer moved past the poison record
        await().atMost(WAIT).until(() -> status(chat) == 200 && seqs(chat).size() == 1);
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = ?", poisonId)).isZero();
        // the record as it was (key, value, CloudEvents headers) plus the reason: what a replay needs
        await().atMost(WAIT).until(() -> dead.stream().anyMatch(e -> poisonId.equals(e.id())));
        KafkaTestClient.Event letter = dead.stream().filter(e -> poisonId.equals(e.id())).findFirst().orElseThrow();
        assertThat(letter.key()).isEqualTo(chat);
        assertThat(letter.data()).isEqualTo(poison);
        assertThat(letter.type()).isEqualTo("chat.message.posted");
        assertThat(letter.headers()).containsEntry("dead-letter-topic", Events.TOPIC).containsKey("dead-letter-offset");
        assertThat(letter.headers().get("dead-letter-reason")).startsWith("malformed chat.message.posted");
        assertThat(dead.stream().filter(e -> poisonId.equals(e.id()))).hasSize(1);
    }

    @Test
    void anIdPostgresqlCannotHoldIsPoisonDeadLetteredAndTheStreamMovesOn() throws Exception {
        // valid by the schema and parseable, but PostgreSQL text cannot hold NUL: retrying could never succeed,
        // so it is poison (before: retried 5 times, then parked in failed_event)
        List<KafkaTestClient.Event> dead = kafka.collect(DEAD_LETTER_TOPIC);
        String bad = "bad\u0000" + UUID.randomUUID();
        String json = Events.closed(bad, "system", "ag-1", Events.T0).replace("\u0000", "\\u0000");
        String badId = events.session("chat.closed", bad, json);
        String chat = newChat();
        // the same key as the bad record (same partition, after it), another chat in the data
        String message = Events.message(chat, 1, "visitor", null, "nul\\u0000 stripped", Events.T0);
        EventSchemas.assertValid("session-service", "chat.message.posted", message);
        kafka.send(Events.TOPIC, bad, "chat.message.posted", "/session-service", message);

        await().atMost(WAIT).until(() -> status(chat) == 200 && seqs(chat).size() == 1);
        assertThat(transcript(chat).getString("messages[0].text")).isEqualTo("nul stripped");
        await().atMost(WAIT).until(() -> dead.stream().anyMatch(e -> badId.equals(e.id())));
        assertThat(dead.stream().filter(e -> badId.equals(e.id())).findFirst().orElseThrow().headers().get("dead-letter-reason"))
                .isEqualTo("malformed chat.closed: chatId contains NUL");
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = ?", badId)).isZero();
    }

    @Test
    void otherEventTypesAreIgnored() {
        String chat = newChat();
        kafka.send(Events.TOPIC, chat, "chat.offer.accepted", "/session-service", "{\"chatId\":\"" + chat + "\"}");
        events.session("chat.requested", chat, Events.requested(chat, "c-ign", Events.T0));
        await().atMost(WAIT).until(() -> status(chat) == 200);
        assertThat(transcript(chat).getString("status")).isEqualTo("REQUESTED");
    }

    @Test
    void securityAndErrorsAreProblems() {
        given().get("/api/v1/transcripts/{id}", "any").then()
                .statusCode(401)
                .contentType(containsString("application/problem+json"))
                .body("status", equalTo(401));
        given().get("/api/v1/transcripts").then().statusCode(401);
        given().auth().oauth2(TestTokens.mint("v-1", "visitor")).get("/api/v1/transcripts/{id}", "any").then()
                .statusCode(403)
                .contentType(containsString("application/problem+json"))
                .body("title", equalTo("Forbidden"));
        given().auth().oauth2(TestTokens.mint("v-1", "visitor")).get("/api/v1/transcripts").then().statusCode(403);
        given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts/{id}", "no-such-chat").then()
                .statusCode(404)
                .contentType(containsString("application/problem+json"))
                .body("type", containsString("not-found"))
                .body("title", equalTo("Not Found"))
                .body("status", equalTo(404))
                .body("detail", containsString("No transcript"));
        given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts/{id}?format=html", "no-such-chat").then()
                .statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("format"));
        given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts?page=abc&size=0&from=yesterday").then()
                .statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", equalTo(List.of("from", "page", "size")));
        // a q without a word to search for, a tag no chat can have
        given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts?q=!!!&tag=bad!tag").then()
                .statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", equalTo(List.of("q", "tag")));
    }

    @Test
    void theListFiltersAndPagesNewestFirst() {
        String customer = "c-" + UUID.randomUUID();
        String queue = "q-" + UUID.randomUUID();
        String a = newChat(), b = newChat(), c = newChat();
        events.session("chat.requested", a, Events.requested(a, customer, Events.T0));
        events.session("chat.requested", b, Events.requested(b, customer, Events.T0.plusSeconds(3600)));
        events.session("chat.requested", c, Events.requested(c, customer, Events.T0.plusSeconds(7200)));
        events.routing("chat.queued", b, Events.queued(b, queue, Events.T0.plusSeconds(3601)));
        events.routing("chat.assigned", b, Events.assigned(b, "ag-list", queue, Events.T0.plusSeconds(3605)));
        events.session("chat.closed", a, Events.closed(a, "visitor", "ag-x", Events.T0.plusSeconds(60)));

        await().atMost(WAIT).until(() -> given().auth().oauth2(TestTokens.supervisor())
                .get("/api/v1/transcripts?customerId={c}", customer).then().extract().jsonPath().getInt("total") == 3
                && status(b) == 200 && "ACTIVE".equals(transcript(b).getString("status"))
                && "CLOSED".equals(transcript(a).getString("status")));

        given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts?customerId={c}", customer).then()
                .statusCode(200)
                .body("items.chatId", equalTo(List.of(c, b, a)))
                .body("page", equalTo(0))
                .body("size", equalTo(20))
                .body("items[1].agentIds", equalTo(List.of("ag-list")))
                .body("items[2].status", equalTo("CLOSED"));
        given().auth().oauth2(TestTokens.agent("ag-list")).get("/api/v1/transcripts?agentId=ag-list&customerId={c}", customer)
                .then().statusCode(200).body("items.chatId", equalTo(List.of(b))).body("total", equalTo(1));
        given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts?queueId={q}", queue)
                .then().statusCode(200).body("items.chatId", equalTo(List.of(b)));
        given().auth().oauth2(TestTokens.admin())
                .get("/api/v1/transcripts?customerId={c}&size=1&page=1", customer)
                .then().statusCode(200).body("items.chatId", equalTo(List.of(b))).body("total", equalTo(3));
        given().auth().oauth2(TestTokens.admin())
                .get("/api/v1/transcripts?customerId={c}&from=2025-03-01T10:30:00Z&to=2025-03-01T12:00:00Z", customer)
                .then().statusCode(200).body("items.chatId", equalTo(List.of(b)));
    }

    private long count(String sql, String arg) throws Exception {
        try (Connection conn = dataSource.getConnection(); PreparedStatement st = conn.prepareStatement(sql)) {
            st.setString(1, arg);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
