package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * GET /api/v1/customers/{customerId}/history and POST …/notes: chats seeded through real Kafka events into real
 * PostgreSQL, read back over REST.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class CustomerHistoryTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
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

    private static String newCustomer() {
        return "c-" + UUID.randomUUID();
    }

    private static JsonPath history(String customer, String token) {
        return given().auth().oauth2(token).get("/api/v1/customers/{c}/history", customer)
                .then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath postNote(String token, String customer, String text) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("text", text))
                .post("/api/v1/customers/{c}/notes", customer).then().statusCode(201).extract().jsonPath();
    }

    @Test
    void theHistoryHoldsTheCustomersChatsFromTheEventStreamNewestFirstAndTheNotes() throws Exception {
        String customer = newCustomer();
        String older = newChat(), newer = newChat(), otherCustomers = newChat();
        Instant t0 = Instant.parse("2025-04-01T09:00:00Z");
        events.session("chat.requested", older, Events.requested(older, customer, t0));
        events.routing("chat.queued", older, Events.queued(older, "billing-ru", t0.plusSeconds(1)));
        events.routing("chat.assigned", older, Events.assigned(older, "ag-h1", "billing-ru", t0.plusSeconds(5)));
        events.session("chat.message.posted", older, Events.message(older, 1, "visitor", null, "I was\\ncharged twice", t0.plusSeconds(6)));
        events.session("chat.message.posted", older, Events.message(older, 2, "agent", "ag-h1", "Let me check", t0.plusSeconds(7)));
        events.session("chat.closed", older, Events.closed(older, "agent", "ag-h1", t0.plusSeconds(60)));
        String longText = "Where is my parcel? ".repeat(15); // 300 characters
        events.session("chat.requested", newer, Events.requested(newer, customer, t0.plusSeconds(86_400)));
        events.session("chat.message.posted", newer, Events.message(newer, 1, "visitor", null, longText, t0.plusSeconds(86_401)));
        events.session("chat.requested", otherCustomers, Events.requested(otherCustomers, newCustomer(), t0.plusSeconds(3600)));

        // ag-h1 was assigned the older chat: it may read the customer's history (AccessTest has the whole matrix)
        String agent = TestTokens.agent("ag-h1");
        await().atMost(WAIT).until(() -> {
            JsonPath h = history(customer, TestTokens.admin());
            return h.getList("chats").size() == 2 && "CLOSED".equals(h.getString("chats[1].status"))
                    && h.getInt("chats[1].messageCount") == 2 && h.getInt("chats[0].messageCount") == 1;
        });
        // a survey (written here directly; chat.surveyed is RecordEventsTest's), and tags written over REST
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO chat_survey (chat_id, csat, ces, comment, submitted_at) VALUES (?, 5, 2, 'quick', now())")) {
            st.setString(1, older);
            st.executeUpdate();
        }
        given().auth().oauth2(agent).contentType(ContentType.JSON).body(List.of("Billing", "refund"))
                .put("/api/v1/transcripts/{id}/tags", older).then().statusCode(200);
        String first = postNote(TestTokens.agent("ag-h1"), customer, "Prefers email.").getString("noteId");
        String second = postNote(TestTokens.supervisor(), customer, "Charged twice in March:\nrefunded.").getString("noteId");

        given().auth().oauth2(agent).get("/api/v1/customers/{c}/history", customer).then()
                .statusCode(200)
                .contentType(containsString("application/json"))
                .body("customerId", equalTo(customer))
                .body("chats.chatId", equalTo(List.of(newer, older)))
                .body("moreChats", equalTo(false))
                .body("chats[1].status", equalTo("CLOSED"))
                .body("chats[1].queueId", equalTo("billing-ru"))
                .body("chats[1].agentId", equalTo("ag-h1"))
                .body("chats[1].agents", equalTo(List.of(Map.of("id", "ag-h1", "displayName", "Boris"))))
                .body("chats[1].requestedAt", equalTo("2025-04-01T09:00:00Z"))
                .body("chats[1].closedAt", equalTo("2025-04-01T09:01:00Z"))
                .body("chats[1].closedBy", equalTo("agent"))
                .body("chats[1].tags", equalTo(List.of("billing", "refund")))
                .body("chats[1].survey.csat", equalTo(5))
                .body("chats[1].survey.ces", equalTo(2))
                .body("chats[1].messageCount", equalTo(2))
                .body("chats[1].firstVisitorMessage", equalTo("I was charged twice"))
                .body("chats[0].status", equalTo("REQUESTED"))
                .body("chats[0].agents", hasSize(0))
                .body("chats[0].closedAt", nullValue())
                .body("chats[0].tags", hasSize(0))
                .body("chats[0].survey", nullValue())
                .body("chats[0].messageCount", equalTo(1))
                .body("chats[0].firstVisitorMessage", equalTo(longText.substring(0, 199).stripTrailing() + "…"))
                .body("notes.noteId", equalTo(List.of(second, first)))
                .body("notes[0].text", equalTo("Charged twice in March:\nrefunded."))
                .body("notes[0].author", equalTo("supervisor-1"))
                .body("notes[1].author", equalTo("ag-h1"))
                .body("notes[1].customerId", equalTo(customer))
                .body("moreNotes", equalTo(false));

        // bounded: the newest of each list, and a flag that there is more
        given().auth().oauth2(TestTokens.platform()).get("/api/v1/customers/{c}/history?limit=1", customer).then()
                .statusCode(200)
                .body("chats.chatId", equalTo(List.of(newer)))
                .body("moreChats", equalTo(true))
                .body("notes.noteId", equalTo(List.of(second)))
                .body("moreNotes", equalTo(true));
        // the transcript list agrees on the chats
        assertThat(given().auth().oauth2(TestTokens.admin()).get("/api/v1/transcripts?customerId={c}", customer)
                .then().extract().jsonPath().getList("items.chatId", String.class)).containsExactly(newer, older);
    }

    @Test
    void aCustomerHistoryHasNeverSeenHasAnEmptyHistory() {
        given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/customers/{c}/history", newCustomer()).then()
                .statusCode(200)
                .body("chats", hasSize(0))
                .body("notes", hasSize(0))
                .body("moreChats", equalTo(false))
                .body("moreNotes", equalTo(false));
    }

    @Test
    void aNoteIsStoredWithItsAuthorAndTime() {
        String customer = newCustomer();
        Instant before = Instant.now().minusSeconds(1);
        // a supervisor (an agent writes notes only about customers whose chat they were given: AccessTest)
        given().auth().oauth2(TestTokens.mint("ag-note", "supervisor")).contentType(ContentType.JSON)
                .body(Map.of("text", "Line one\n\tindented — שלום"))
                .post("/api/v1/customers/{c}/notes", customer).then()
                .statusCode(201)
                .contentType(containsString("application/json"))
                .body("noteId", matchesPattern("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"))
                .body("customerId", equalTo(customer))
                .body("text", equalTo("Line one\n\tindented — שלום"))
                .body("author", equalTo("ag-note"))
                .body("createdAt", notNullValue());
        JsonPath h = history(customer, TestTokens.admin());
        assertThat(h.getList("notes.text", String.class)).containsExactly("Line one\n\tindented — שלום");
        assertThat(Instant.parse(h.getString("notes[0].createdAt"))).isAfter(before).isBefore(Instant.now().plusSeconds(1));
        assertThat(h.getList("chats")).isEmpty(); // a note for a customer without chats is fine
    }

    @Test
    void aNoteThatDoesNotFitIsA400WithTheField() {
        String customer = newCustomer();
        String admin = TestTokens.admin();
        for (Object body : new Object[] {Map.of(), Map.of("text", ""), Map.of("text", "   "), Map.of("text", "x".repeat(2001)),
                Map.of("text", "nul\u0000"), Map.of("text", "ansi \u001B[2J"), Map.of("text", "bidi \u202E"), Map.of("text", 42)}) {
            given().auth().oauth2(admin).contentType(ContentType.JSON).body(body)
                    .post("/api/v1/customers/{c}/notes", customer).then()
                    .statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("status", equalTo(400))
                    .body("errors.field", equalTo(List.of("text")));
        }
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("[\"text\"]")
                .post("/api/v1/customers/{c}/notes", customer).then()
                .statusCode(400).contentType(containsString("application/problem+json")).body("errors.field", equalTo(List.of("body")));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"text\": ")
                .post("/api/v1/customers/{c}/notes", customer).then()
                .statusCode(400).contentType(containsString("application/problem+json")).body("type", containsString("malformed-json"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("text", "ok"))
                .post("/api/v1/customers/{c}/notes", "c".repeat(201)).then()
                .statusCode(400).body("errors.field", equalTo(List.of("customerId")));
        given().auth().oauth2(admin).get("/api/v1/customers/{c}/history?limit=0", customer).then()
                .statusCode(400).contentType(containsString("application/problem+json")).body("errors.field", equalTo(List.of("limit")));
        given().auth().oauth2(admin).get("/api/v1/customers/{c}/history?limit=101", customer).then()
                .statusCode(400).body("errors.field", equalTo(List.of("limit")));
        // 2,000 characters is still a note; nothing of the refused ones was stored
        postNote(admin, customer, "y".repeat(2000));
        assertThat(history(customer, admin).getList("notes.text", String.class)).containsExactly("y".repeat(2000));
    }

    @Test
    void aCustomerIdWithControlCharactersIsA400OnEveryEndpointAndNothingIsStored() throws Exception {
        String prefix = newCustomer();
        String admin = TestTokens.admin();
        // session-service removes these from visitor.customerId: no chat can have such a customer
        for (String bad : List.of(prefix + "\u001B1", prefix + "\t1", prefix + "\u0085", prefix + "\u202E1")) {
            given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("text", "ok"))
                    .post("/api/v1/customers/{c}/notes", bad).then()
                    .statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("errors.field", equalTo(List.of("customerId")));
            given().auth().oauth2(admin).get("/api/v1/customers/{c}/history", bad).then()
                    .statusCode(400).contentType(containsString("application/problem+json"))
                    .body("errors.field", equalTo(List.of("customerId")));
            given().auth().oauth2(admin).queryParam("customerId", bad).get("/api/v1/transcripts").then()
                    .statusCode(400).contentType(containsString("application/problem+json"))
                    .body("errors.field", equalTo(List.of("customerId")));
        }
        // the request of the review, as sent: c%1B1
        given().auth().oauth2(admin).urlEncodingEnabled(false).contentType(ContentType.JSON).body(Map.of("text", "ok"))
                .post("/api/v1/customers/" + prefix + "%1B1/notes").then()
                .statusCode(400).body("errors.field", equalTo(List.of("customerId")));
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT count(*) FROM customer_note WHERE customer_id LIKE ?")) {
            st.setString(1, prefix + "%");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    @Test
    void theSameIdempotencyKeyAndBodyGiveTheSameNoteOnce() {
        String customer = newCustomer();
        String key = UUID.randomUUID().toString();
        String agent = TestTokens.mint("ag-idem", "supervisor");
        JsonPath first = given().auth().oauth2(agent).header("Idempotency-Key", key).contentType(ContentType.JSON)
                .body(Map.of("text", "Call back after 5pm")).post("/api/v1/customers/{c}/notes", customer)
                .then().statusCode(201).extract().jsonPath();
        given().auth().oauth2(agent).header("Idempotency-Key", key).contentType(ContentType.JSON)
                .body(Map.of("text", "Call back after 5pm")).post("/api/v1/customers/{c}/notes", customer).then()
                .statusCode(201)
                .header("Idempotent-Replayed", "true")
                .body("noteId", equalTo(first.getString("noteId")))
                .body("createdAt", equalTo(first.getString("createdAt")));
        given().auth().oauth2(agent).header("Idempotency-Key", key).contentType(ContentType.JSON)
                .body(Map.of("text", "Something else")).post("/api/v1/customers/{c}/notes", customer).then()
                .statusCode(422)
                .contentType(containsString("application/problem+json"))
                .body("type", containsString("idempotency-key-reused"));
        // a key is its caller's: another author's request with it makes a note of its own
        String other = given().auth().oauth2(TestTokens.mint("ag-idem-2", "supervisor")).header("Idempotency-Key", key)
                .contentType(ContentType.JSON).body(Map.of("text", "Call back after 5pm"))
                .post("/api/v1/customers/{c}/notes", customer).then().statusCode(201).extract().path("noteId");
        assertThat(other).isNotEqualTo(first.getString("noteId"));
        assertThat(history(customer, agent).getList("notes.noteId", String.class))
                .containsExactlyInAnyOrder(first.getString("noteId"), other);
        given().auth().oauth2(agent).header("Idempotency-Key", "k".repeat(201)).contentType(ContentType.JSON)
                .body(Map.of("text", "x")).post("/api/v1/customers/{c}/notes", customer).then()
                .statusCode(400).body("errors.field", equalTo(List.of("Idempotency-Key")));
    }

    @Test
    void rolesAreCheckedOnBothEndpoints() {
        String customer = newCustomer();
        given().get("/api/v1/customers/{c}/history", customer).then()
                .statusCode(401).contentType(containsString("application/problem+json"));
        // a token that is there but not valid: the same problem body, not the mechanism's bare 401
        given().auth().oauth2("not-a-jwt").get("/api/v1/customers/{c}/history", customer).then()
                .statusCode(401).contentType(containsString("application/problem+json"));
        given().contentType(ContentType.JSON).body(Map.of("text", "x")).post("/api/v1/customers/{c}/notes", customer)
                .then().statusCode(401).contentType(containsString("application/problem+json"));
        String visitor = TestTokens.mint("v-1", "visitor");
        given().auth().oauth2(visitor).get("/api/v1/customers/{c}/history", customer).then()
                .statusCode(403).contentType(containsString("application/problem+json"));
        given().auth().oauth2(visitor).contentType(ContentType.JSON).body(Map.of("text", "x"))
                .post("/api/v1/customers/{c}/notes", customer).then().statusCode(403);
        // platforms write notes too (the contract's history section is open to them; 403 until 2026-12-05: a platform
        // syncing notes from its CRM could not)
        given().auth().oauth2(TestTokens.platform()).contentType(ContentType.JSON).body(Map.of("text", "from the CRM"))
                .post("/api/v1/customers/{c}/notes", customer).then()
                .statusCode(201).body("author", equalTo("platform-1"));
        for (String token : List.of(TestTokens.supervisor(), TestTokens.admin(), TestTokens.platform())) {
            given().auth().oauth2(token).get("/api/v1/customers/{c}/history", customer).then().statusCode(200);
        }
        // an agent none of the customer's chats was given to (AccessTest has the whole matrix)
        given().auth().oauth2(TestTokens.agent("ag-r")).get("/api/v1/customers/{c}/history", customer).then()
                .statusCode(403).contentType(containsString("application/problem+json"));
        // the refused writes left nothing; the platform's note is the only one
        assertThat(history(customer, TestTokens.admin()).getList("notes.text", String.class)).containsExactly("from the CRM");
    }
}
