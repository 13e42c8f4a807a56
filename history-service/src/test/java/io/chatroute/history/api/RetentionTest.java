package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.chatroute.history.persistence.RetentionStore;
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
 * Erasing a customer's data on request (DELETE /api/v1/customers/{id}, admin) and the retention purge (the test
 * profile keeps 3650 days and runs the purge only when asked: POST /api/v1/retention/purge). Later events of an
 * erased or purged chat are dropped, never turned into the chat again.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class RetentionTest {

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

    private static int status(String chat) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chat).statusCode();
    }

    private static int messages(String chat) {
        JsonPath t = given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chat).then().extract().jsonPath();
        return t.getList("messages") == null ? -1 : t.getList("messages").size();
    }

    /** A whole chat of the customer: offer, assignment, two messages, a transfer, the close, a survey and tags. */
    private static void fullChat(String chat, String customer, Instant t0) {
        events.session("chat.requested", chat, Events.requested(chat, customer, t0));
        events.routing("chat.offered", chat, Events.offered(chat, "ag-ret", "general", "o-1", t0.plusSeconds(1)));
        events.routing("chat.assigned", chat, Events.assigned(chat, "ag-ret", "general", t0.plusSeconds(2)));
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "secret order 4711", t0.plusSeconds(3)));
        events.session("chat.message.posted", chat, Events.message(chat, 2, "agent", "ag-ret", "found it", t0.plusSeconds(4)));
        events.routing("chat.transferred", chat, Events.transferred(chat, "tr-1", "ag-ret", "general", null, null,
                t0.plusSeconds(5)));
        events.session("chat.closed", chat, Events.closed(chat, "agent", "ag-ret", t0.plusSeconds(60)));
        events.session("chat.surveyed", chat, Events.surveyed(chat, 5, 1, "great", t0.plusSeconds(70)));
        events.session("chat.tagged", chat,
                "{\"chatId\":\"" + chat + "\",\"tags\":[\"erase-me\",\"vip\"],\"agentId\":\"ag-ret\",\"taggedAt\":\"" + t0 + "\"}");
    }

    @Test
    void erasingACustomerDeletesTheirChatsNotesAndSearchEntriesAndLaterEventsDoNotBringThemBack() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String customer = "c-erase-" + run, other = "c-keep-" + run;
        String a = "e-a-" + run, b = "e-b-" + run, kept = "e-kept-" + run;
        Instant t0 = Instant.parse("2025-08-01T10:00:00Z");
        fullChat(a, customer, t0);
        fullChat(b, customer, t0.plusSeconds(3600));
        fullChat(kept, other, t0);
        await().atMost(WAIT).until(() -> List.of(a, b, kept).stream().allMatch(c -> status(c) == 200
                && given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", c).then().extract()
                .jsonPath().getList("tags").size() == 2 && messages(c) == 2));
        given().auth().oauth2(TestTokens.supervisor()).contentType(ContentType.JSON).body(Map.of("text", "Prefers email"))
                .post("/api/v1/customers/{c}/notes", customer).then().statusCode(201);
        assertThat(searchCount("4711", customer)).isEqualTo(2);
        // events of a chat not yet published (the broker away: not due to the sweep for an hour here)
        for (String chat : List.of(a, kept)) {
            execute("INSERT INTO outbox_event (id, type, chat_id, occurred_at, data, next_attempt_at) VALUES"
                    + " (gen_random_uuid(), 'transcript.tagged', ?, now(), '{}', now() + interval '1 hour')", chat);
        }

        JsonPath erased = given().auth().oauth2(TestTokens.admin()).delete("/api/v1/customers/{c}", customer).then()
                .statusCode(200).contentType(containsString("application/json")).extract().jsonPath();
        assertThat(erased.getString("customerId")).isEqualTo(customer);
        assertThat(erased.getList("chatIds", String.class)).containsExactlyInAnyOrder(a, b);
        assertThat(erased.getInt("messages")).isEqualTo(4);
        assertThat(erased.getInt("searchEntries")).isEqualTo(4);
        assertThat(erased.getInt("notes")).isEqualTo(1);
        assertThat(erased.getInt("tags")).isEqualTo(4);
        assertThat(erased.getInt("surveys")).isEqualTo(2);
        assertThat(erased.getInt("transfers")).isEqualTo(2);
        assertThat(erased.getInt("offers")).isEqualTo(2);
        assertThat(erased.getString("erasedAt")).isNotBlank();

        assertThat(status(a)).isEqualTo(404);
        assertThat(status(b)).isEqualTo(404);
        assertThat(status(kept)).isEqualTo(200);
        JsonPath history = given().auth().oauth2(TestTokens.admin()).get("/api/v1/customers/{c}/history", customer)
                .then().statusCode(200).extract().jsonPath();
        assertThat(history.getList("chats")).isEmpty();
        assertThat(history.getList("notes")).isEmpty();
        assertThat(searchCount("4711", customer)).isZero();
        for (String table : List.of("message", "chat_tag", "chat_survey", "chat_transfer", "chat_offer", "chat_agent",
                "chat_assignment", "chat_access")) {
            assertThat(count("SELECT count(*) FROM " + table + " WHERE chat_id IN (?, ?)", a, b)).as(table).isZero();
        }
        assertThat(count("SELECT count(*) FROM message WHERE chat_id = ?", kept, kept)).isEqualTo(2);
        // the erased chat's unpublished event is gone with it, and will not be published after the erasure
        assertThat(count("SELECT count(*) FROM outbox_event WHERE chat_id = ?", a, a)).isZero();
        assertThat(count("SELECT count(*) FROM outbox_event WHERE chat_id = ?", kept, kept)).isEqualTo(1);
        execute("DELETE FROM outbox_event WHERE chat_id = ?", kept);

        // later events of an erased chat (a redelivery, a replay, a late producer) are dropped; the marker is the
        // next record of the same partition (same key), for another chat
        double removedBefore = removedEvents();
        events.session("chat.message.posted", a, Events.message(a, 3, "visitor", null, "are you there?", t0.plusSeconds(90)));
        events.session("chat.surveyed", a, Events.surveyed(a, 1, 5, "late", t0.plusSeconds(95)));
        String marker = "e-marker-" + run;
        kafka.send(Events.TOPIC, a, "chat.requested", "/session-service", Events.requested(marker, other, t0));
        await().atMost(WAIT).until(() -> status(marker) == 200);
        assertThat(status(a)).isEqualTo(404);
        assertThat(count("SELECT count(*) FROM chat WHERE id = ?", a, a)).isZero();
        assertThat(count("SELECT count(*) FROM message WHERE chat_id = ?", a, a)).isZero();
        assertThat(count("SELECT count(*) FROM chat_tombstone WHERE chat_id IN (?, ?) AND reason = 'erased'", a, b)).isEqualTo(2);
        assertThat(removedEvents() - removedBefore).isEqualTo(2.0);

        // erasing again: nothing left
        given().auth().oauth2(TestTokens.admin()).delete("/api/v1/customers/{c}", customer).then().statusCode(200)
                .body("chatIds", equalTo(List.of())).body("messages", equalTo(0)).body("notes", equalTo(0));
        given().auth().oauth2(TestTokens.admin()).delete("/api/v1/customers/{c}", "x".repeat(201)).then()
                .statusCode(400).body("errors[0].field", equalTo("customerId"));
    }

    @Test
    void thePurgeDeletesChatsClosedBeforeTheRetentionPeriodWithEverythingAttached() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String old = "p-old-" + run, stale = "p-stale-" + run, recent = "p-recent-" + run;
        // closed in 2003 (purged), never closed but started 2002 (purged), closed 2025 (kept: 3650 days in tests)
        fullChat(old, "c-purge-" + run, Instant.parse("2003-01-01T10:00:00Z"));
        events.session("chat.requested", stale, Events.requested(stale, "c-purge-" + run, Instant.parse("2002-01-01T10:00:00Z")));
        events.session("chat.message.posted", stale, Events.message(stale, 1, "visitor", null, "hello?",
                Instant.parse("2002-01-01T10:00:01Z")));
        fullChat(recent, "c-purge-" + run, Instant.parse("2025-08-02T10:00:00Z"));
        await().atMost(WAIT).until(() -> messages(old) == 2 && messages(stale) == 1 && messages(recent) == 2
                && given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", old).then().extract()
                .jsonPath().get("survey") != null);
        // an event id processed long ago: forgotten by the purge too
        String oldEvent = "old-event-" + run;
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO processed_event (event_id, type, processed_at) VALUES (?, 'chat.closed', '2004-01-01T00:00:00Z')")) {
            st.setString(1, oldEvent);
            st.executeUpdate();
        }

        JsonPath purged = given().auth().oauth2(TestTokens.admin()).post("/api/v1/retention/purge").then()
                .statusCode(200).extract().jsonPath();
        assertThat(purged.getBoolean("skipped")).isFalse();
        assertThat(Instant.parse(purged.getString("cutoff"))).isBefore(Instant.now().minus(Duration.ofDays(3649)));
        assertThat(purged.getInt("chats")).isGreaterThanOrEqualTo(2);
        assertThat(purged.getInt("messages")).isGreaterThanOrEqualTo(3);
        assertThat(purged.getInt("processedEvents")).isGreaterThanOrEqualTo(1);

        assertThat(status(old)).isEqualTo(404);
        assertThat(status(stale)).isEqualTo(404);
        assertThat(status(recent)).isEqualTo(200);
        for (String table : List.of("message", "chat_tag", "chat_survey", "chat_transfer", "chat_offer", "chat_assignment")) {
            assertThat(count("SELECT count(*) FROM " + table + " WHERE chat_id IN (?, ?)", old, stale)).as(table).isZero();
        }
        assertThat(count("SELECT count(*) FROM chat_tombstone WHERE chat_id IN (?, ?) AND reason = 'purged'", old, stale))
                .isEqualTo(2);
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = ?", oldEvent, oldEvent)).isZero();

        // a late event of a purged chat does not bring it back
        events.session("chat.message.posted", old, Events.message(old, 3, "visitor", null, "late", Instant.parse("2003-01-01T11:00:00Z")));
        String marker = "p-marker-" + run;
        kafka.send(Events.TOPIC, old, "chat.requested", "/session-service", Events.requested(marker, "c-purge-" + run,
                Instant.parse("2025-08-03T10:00:00Z")));
        await().atMost(WAIT).until(() -> status(marker) == 200);
        assertThat(status(old)).isEqualTo(404);

        // nothing more to purge
        given().auth().oauth2(TestTokens.admin()).post("/api/v1/retention/purge").then().statusCode(200)
                .body("chats", equalTo(0));
    }

    /** The purge finds old rows by their age through an index, not by reading every event ever applied. */
    @Test
    void thePurgeFindsOldRowsThroughAnIndex() throws Exception {
        Map<String, String> ageColumns = Map.of(RetentionStore.DELETE_PROCESSED, "processed_at", RetentionStore.DELETE_OLD_TOMBSTONES,
                "removed_at");
        ageColumns.forEach((sql, column) -> {
            String plan = plan(sql.replace("$1", "'2004-01-01T00:00:00Z'::timestamptz"));
            // the age is the index's condition (a scan of the primary key that filters each row would not do)
            assertThat(plan).as(sql).containsPattern("Index Cond: \\(" + column + " <");
        });
    }

    /** The planner's choice with sequential scans discouraged: a table without a usable index still gets one. */
    private String plan(String sql) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET LOCAL enable_seqscan = off");
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = st.executeQuery("EXPLAIN " + sql)) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            c.rollback();
            return plan.toString();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long searchCount(String q, String customer) {
        return given().auth().oauth2(TestTokens.admin()).queryParam("q", q).queryParam("customerId", customer)
                .get("/api/v1/transcripts").then().statusCode(200).extract().jsonPath().getLong("total");
    }

    private double removedEvents() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("chatroute_history_removed_chat_events_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private void execute(String sql, String chat) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, chat);
            st.executeUpdate();
        }
    }

    private long count(String sql, String a, String b) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, a);
            if (sql.chars().filter(ch -> ch == '?').count() > 1) {
                st.setString(2, b);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
