package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * chat.surveyed, chat.offered and chat.transferred through real Kafka into real PostgreSQL: the transcript shows the
 * survey, the offers and the transfers; each event is applied once per event id, duplicates and events ahead of
 * their chat included; the assignment intervals and the agent's concurrency follow from the events in any order.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class RecordEventsTest {

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

    private static JsonPath transcript(String chatId) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chatId)
                .then().extract().jsonPath();
    }

    private static boolean known(String chatId) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chatId).statusCode() == 200;
    }

    @Test
    void surveyOffersAndTransfersAreKeptWithTheChatAndShownByTheTranscript() {
        String chat = newChat();
        String agA = "ag-a-" + UUID.randomUUID(), agB = "ag-b-" + UUID.randomUUID();
        Instant t0 = Instant.parse("2025-05-01T10:00:00Z");
        events.session("chat.requested", chat, Events.requested(chat, "c-rec", t0));
        events.routing("chat.queued", chat, Events.queued(chat, "billing-ru", t0.plusSeconds(1)));
        events.routing("chat.offered", chat, Events.offered(chat, agA, "billing-ru", "o-1", t0.plusSeconds(2)));
        events.routing("chat.assigned", chat, Events.assigned(chat, agA, "billing-ru", t0.plusSeconds(4)));
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "Hello", t0.plusSeconds(5)));
        events.routing("chat.transferred", chat, Events.transferred(chat, "tr-1", agA, "billing-en", null,
                "speaks English", t0.plusSeconds(30)));
        events.routing("chat.offered", chat, Events.offered(chat, agB, "billing-en", "o-2", t0.plusSeconds(31)));
        events.routing("chat.assigned", chat, Events.assigned(chat, agB, "billing-en", t0.plusSeconds(33)));
        events.session("chat.closed", chat, Events.closed(chat, "agent", agB, t0.plusSeconds(90)));
        events.session("chat.surveyed", chat, Events.surveyed(chat, 4, 2, "quick, thanks", t0.plusSeconds(100)));

        await().atMost(WAIT).until(() -> known(chat) && transcript(chat).get("survey") != null);
        given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chat).then()
                .statusCode(200)
                .body("status", equalTo("CLOSED"))
                .body("agentId", equalTo(agB))
                .body("agents.id", equalTo(List.of(agA, agB)))
                .body("survey.csat", equalTo(4))
                .body("survey.ces", equalTo(2))
                .body("survey.comment", equalTo("quick, thanks"))
                .body("survey.submittedAt", equalTo("2025-05-01T10:01:40Z"))
                .body("transfers.requestId", equalTo(List.of("tr-1")))
                .body("transfers[0].fromAgentId", equalTo(agA))
                .body("transfers[0].queueId", equalTo("billing-en"))
                .body("transfers[0].agentId", nullValue())
                .body("transfers[0].note", equalTo("speaks English"))
                .body("transfers[0].transferredAt", equalTo("2025-05-01T10:00:30Z"))
                .body("offers.offerId", equalTo(List.of("o-1", "o-2")))
                .body("offers.agentId", equalTo(List.of(agA, agB)))
                .body("offers[0].expiresAt", equalTo("2025-05-01T10:00:22Z"));
        String text = given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}?format=text", chat)
                .then().statusCode(200).extract().asString();
        assertThat(text).contains("Transferred: 2025-05-01T10:00:30Z from " + agA + " to queue billing-en: speaks English\n",
                "Survey: CSAT 4, CES 2, \"quick, thanks\"\n");
        // ag-a held it from the assignment to the transfer, ag-b from theirs to the close
        assertThat(assignments(chat)).containsExactly(
                agA + " 2025-05-01T10:00:04Z-2025-05-01T10:00:30Z x1",
                agB + " 2025-05-01T10:00:33Z-2025-05-01T10:01:30Z x1");
    }

    @Test
    void eachEventIsAppliedOncePerIdDeliveredTwiceAndOutOfOrder() throws Exception {
        String chat = newChat();
        Instant t0 = Instant.parse("2025-05-02T10:00:00Z");
        // the survey and the transfer come first (before their chat): kept on a placeholder, not lost
        String survey = Events.surveyed(chat, 5, null, null, t0.plusSeconds(100));
        String surveyId = events.session("chat.surveyed", chat, survey);
        events.send("session-service", "chat.surveyed", chat, surveyId, Events.surveyed(chat, 1, 5, "other", t0));
        // the same survey again under a new id (a second survey of one chat): the first one stays
        events.session("chat.surveyed", chat, Events.surveyed(chat, 2, 2, "second", t0.plusSeconds(200)));
        String transfer = Events.transferred(chat, "tr-9", "ag-c", "general", "ag-d", null, t0.plusSeconds(30));
        String transferId = events.routing("chat.transferred", chat, transfer);
        events.send("routing-service", "chat.transferred", chat, transferId, transfer);
        events.routing("chat.transferred", chat, transfer); // the same request under a new id: one transfer
        String offer = Events.offered(chat, "ag-c", "general", "o-9", t0.plusSeconds(2));
        String offerId = events.routing("chat.offered", chat, offer);
        events.send("routing-service", "chat.offered", chat, offerId, offer);
        events.routing("chat.offered", chat, offer);
        events.session("chat.requested", chat, Events.requested(chat, "c-ooo", t0));
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "marker", t0.plusSeconds(3)));

        await().atMost(WAIT).until(() -> known(chat) && transcript(chat).getList("messages").size() == 1);
        JsonPath t = transcript(chat);
        assertThat(t.getString("status")).isEqualTo("REQUESTED");
        assertThat(t.getString("visitor.customerId")).isEqualTo("c-ooo");
        assertThat(t.getInt("survey.csat")).isEqualTo(5);
        assertThat((Object) t.get("survey.ces")).isNull();
        assertThat(t.getList("transfers.requestId")).containsExactly("tr-9");
        assertThat(t.getString("transfers[0].agentId")).isEqualTo("ag-d");
        assertThat(t.getList("offers.offerId")).containsExactly("o-9");
        assertThat(count("SELECT count(*) FROM chat_survey WHERE chat_id = ?", chat)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM chat_transfer WHERE chat_id = ?", chat)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM chat_offer WHERE chat_id = ?", chat)).isEqualTo(1);
        for (String id : List.of(surveyId, transferId, offerId)) {
            assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = ?", id)).isEqualTo(1);
        }
    }

    @Test
    void aBadSurveyIsPoisonAndTheChatGoesOn() throws Exception {
        List<KafkaTestClient.Event> dead = kafka.collect(TranscriptFlowTest.DEAD_LETTER_TOPIC);
        String chat = newChat();
        String id = kafka.send(Events.TOPIC, chat, "chat.surveyed", "/session-service",
                "{\"chatId\":\"" + chat + "\",\"csat\":9,\"ces\":null,\"surveyedAt\":\"2025-05-03T10:00:00Z\"}");
        events.session("chat.requested", chat, Events.requested(chat, "c-bad", Instant.parse("2025-05-03T09:00:00Z")));
        await().atMost(WAIT).until(() -> known(chat) && dead.stream().anyMatch(e -> id.equals(e.id())));
        assertThat(dead.stream().filter(e -> id.equals(e.id())).findFirst().orElseThrow().headers().get("dead-letter-reason"))
                .isEqualTo("malformed chat.surveyed: csat must be a whole number from 1 to 5 or null");
        assertThat((Object) transcript(chat).get("survey")).isNull();
    }

    @Test
    void concurrencyIsTheNumberOfChatsTheAgentHeldAtTheAssignmentWhateverTheOrderEventsArriveIn() throws Exception {
        String agent = "ag-conc-" + UUID.randomUUID();
        Instant t0 = Instant.parse("2025-05-04T10:00:00Z");
        String a = newChat(), b = newChat(), c = newChat(), d = newChat();
        // a: 10:00-10:10, b: 10:02-10:05, c: 10:04-10:20, d: 10:06 (open). Held at each assignment, itself included:
        // a 1, b 2 (a), c 3 (a, b), d 3 (a, c; b was closed at 10:05)
        // published in a scrambled order, over four chats (partitions): the close of b last
        events.routing("chat.assigned", d, Events.assigned(d, agent, "general", t0.plusSeconds(360)));
        events.routing("chat.assigned", c, Events.assigned(c, agent, "general", t0.plusSeconds(240)));
        events.session("chat.closed", a, Events.closed(a, "agent", agent, t0.plusSeconds(600)));
        events.routing("chat.assigned", a, Events.assigned(a, agent, "general", t0));
        events.routing("chat.assigned", b, Events.assigned(b, agent, "general", t0.plusSeconds(120)));
        events.session("chat.closed", c, Events.closed(c, "agent", agent, t0.plusSeconds(1200)));
        events.session("chat.closed", b, Events.closed(b, "visitor", agent, t0.plusSeconds(300)));

        await().atMost(WAIT).until(() -> concurrency(agent).equals(List.of(1, 2, 3, 3)));
        assertThat(assignments(d)).containsExactly(agent + " 2025-05-04T10:06:00Z-open x3");
        assertThat(assignments(b)).containsExactly(agent + " 2025-05-04T10:02:00Z-2025-05-04T10:05:00Z x2");
    }

    /**
     * A chat routing put back in line because its agent went away (chat.queued, reason agent-lost) leaves that agent's
     * hands then, not at its next assignment: the agent's later chats do not count it. Before, the hold ran on until
     * someone else got the chat (or it closed), and the agent's concurrency was over-counted meanwhile.
     */
    @Test
    void anAgentLostRequeueEndsTheAgentsHold() throws Exception {
        String agent = "ag-lost-" + UUID.randomUUID(), next = "ag-next-" + UUID.randomUUID();
        Instant t0 = Instant.parse("2025-05-05T10:00:00Z");
        String a = newChat(), b = newChat();
        // a: the agent's from 10:00, back in line at 10:03 (the agent went offline), another agent's from 10:08;
        // b: the agent's from 10:05, when it held nothing (a was waiting)
        events.routing("chat.assigned", a, Events.assigned(a, agent, "general", t0));
        events.routingAt("chat.queued", a, Events.requeued(a, "general", t0.minusSeconds(30)), t0.plusSeconds(180));
        events.routing("chat.assigned", b, Events.assigned(b, agent, "general", t0.plusSeconds(300)));
        events.routing("chat.assigned", a, Events.assigned(a, next, "general", t0.plusSeconds(480)));

        await().atMost(WAIT).until(() -> assignments(a).size() == 2 && concurrency(agent).size() == 2);
        assertThat(assignments(a)).containsExactly(agent + " 2025-05-05T10:00:00Z-2025-05-05T10:03:00Z x1",
                next + " 2025-05-05T10:08:00Z-open x1");
        assertThat(concurrency(agent)).containsExactly(1, 1);
    }

    /** The agent's assignments' concurrency, in assignment order. */
    private List<Integer> concurrency(String agent) throws Exception {
        List<Integer> out = new ArrayList<>();
        try (Connection conn = dataSource.getConnection(); PreparedStatement st = conn.prepareStatement(
                "SELECT concurrency FROM chat_assignment WHERE agent_id = ? ORDER BY assigned_at")) {
            st.setString(1, agent);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1) == null ? null : rs.getInt(1));
                }
            }
        }
        return out;
    }

    /** "agent from-to xN" per assignment of the chat, in order. */
    private List<String> assignments(String chat) {
        List<String> out = new ArrayList<>();
        try (Connection conn = dataSource.getConnection(); PreparedStatement st = conn.prepareStatement(
                "SELECT agent_id, assigned_at, released_at, concurrency FROM chat_assignment WHERE chat_id = ?"
                        + " ORDER BY assigned_at")) {
            st.setString(1, chat);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getTimestamp(2).toInstant() + "-"
                            + (rs.getTimestamp(3) == null ? "open" : rs.getTimestamp(3).toInstant()) + " x" + rs.getInt(4));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
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
