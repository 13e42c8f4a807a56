package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * The contract's privacy rule, as a matrix over roles and endpoints: an agent reads transcripts and customer history
 * (and writes tags and notes) only of chats offered, assigned or transferred to them; supervisors, admins and
 * platforms read all. Access follows from the events history consumed (chat.offered, chat.assigned,
 * chat.transferred) through real Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class AccessTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static KafkaTestClient kafka;
    private static Events events;

    /** A chat offered to one agent, assigned to another, then transferred by them to a third. */
    private static String chat;
    private static String customer;
    private static String offered;
    private static String assigned;
    private static String transferredTo;
    private static String outsider;

    @BeforeAll
    static void seed() {
        kafka = new KafkaTestClient();
        events = new Events(kafka);
        String run = UUID.randomUUID().toString().substring(0, 8);
        chat = "chat-acc-" + run;
        customer = "c-acc-" + run;
        offered = "ag-offered-" + run;
        assigned = "ag-assigned-" + run;
        transferredTo = "ag-target-" + run;
        outsider = "ag-outsider-" + run;
        Instant t0 = Instant.parse("2025-06-01T10:00:00Z");
        events.session("chat.requested", chat, Events.requested(chat, customer, t0));
        events.routing("chat.offered", chat, Events.offered(chat, offered, "general", "o-1", t0.plusSeconds(1)));
        events.routing("chat.offered", chat, Events.offered(chat, assigned, "general", "o-2", t0.plusSeconds(25)));
        events.routing("chat.assigned", chat, Events.assigned(chat, assigned, "general", t0.plusSeconds(30)));
        events.session("chat.message.posted", chat, Events.message(chat, 1, "visitor", null, "refund please", t0.plusSeconds(31)));
        events.routing("chat.transferred", chat, Events.transferred(chat, "tr-1", assigned, "general", transferredTo,
                "for you", t0.plusSeconds(60)));
        // the last event of the chat (same partition): once it is in, everything before it is
        events.session("chat.message.posted", chat, Events.message(chat, 2, "visitor", null, "marker", t0.plusSeconds(61)));
    }

    private static volatile boolean consumed;

    /** Waits (once) until the chat's events are in; REST is not reachable from @BeforeAll (the port is set per test). */
    @org.junit.jupiter.api.BeforeEach
    void consumed() {
        if (!consumed) {
            // 404 (no messages list) until the chat's first event is in
            await().atMost(WAIT).until(() -> {
                List<Object> messages = given().auth().oauth2(TestTokens.supervisor())
                        .get("/api/v1/transcripts/{id}", chat).then().extract().jsonPath().getList("messages");
                return messages != null && messages.size() == 2;
            });
            consumed = true;
        }
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    /** Who may read the chat and who may not. */
    private static Map<String, Boolean> readers() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put("supervisor", true);
        m.put("admin", true);
        m.put("platform", true);
        m.put("agent offered", true);
        m.put("agent assigned", true);
        m.put("agent transferred to", true);
        m.put("other agent", false);
        return m;
    }

    private static String token(String who) {
        return switch (who) {
            case "supervisor" -> TestTokens.supervisor();
            case "admin" -> TestTokens.admin();
            case "platform" -> TestTokens.platform();
            case "agent offered" -> TestTokens.agent(offered);
            case "agent assigned" -> TestTokens.agent(assigned);
            case "agent transferred to" -> TestTokens.agent(transferredTo);
            case "other agent" -> TestTokens.agent(outsider);
            default -> throw new IllegalArgumentException(who);
        };
    }

    @Test
    void transcriptsJsonAndText() {
        readers().forEach((who, allowed) -> {
            for (String format : List.of("json", "text")) {
                Response r = given().auth().oauth2(token(who)).get("/api/v1/transcripts/{id}?format=" + format, chat);
                assertThat(r.statusCode()).as("%s reads the transcript as %s", who, format).isEqualTo(allowed ? 200 : 403);
                if (!allowed) {
                    assertThat(r.contentType()).contains("application/problem+json");
                    assertThat(r.jsonPath().getString("detail")).isEqualTo("This chat was not offered or assigned to you.");
                    assertThat(r.asString()).doesNotContain("refund please");
                }
            }
        });
    }

    @Test
    void theListAndTheExportHoldOnlyTheAgentsChats() {
        readers().forEach((who, allowed) -> {
            List<String> ids = given().auth().oauth2(token(who)).get("/api/v1/transcripts?customerId={c}", customer)
                    .then().statusCode(200).extract().jsonPath().getList("items.chatId", String.class);
            assertThat(ids).as("%s lists the customer's chats", who).isEqualTo(allowed ? List.of(chat) : List.of());
            List<String> search = given().auth().oauth2(token(who)).get("/api/v1/transcripts?q=refund&customerId={c}", customer)
                    .then().statusCode(200).extract().jsonPath().getList("items.chatId", String.class);
            assertThat(search).as("%s searches", who).isEqualTo(allowed ? List.of(chat) : List.of());
            String csv = given().auth().oauth2(token(who)).accept("text/csv")
                    .get("/api/v1/transcripts?customerId={c}&rows=messages", customer).then().statusCode(200)
                    .extract().asString();
            assertThat(csv.lines().count()).as("%s exports", who).isEqualTo(allowed ? 3 : 1);
        });
    }

    @Test
    void customerHistoryAndNotes() {
        readers().forEach((who, allowed) -> {
            given().auth().oauth2(token(who)).get("/api/v1/customers/{c}/history", customer).then()
                    .statusCode(allowed ? 200 : 403);
            // platforms write notes too (the contract's history section; 403 until 2026-12-05)
            int note = allowed ? 201 : 403;
            given().auth().oauth2(token(who)).contentType(ContentType.JSON).body(Map.of("text", "note by " + who))
                    .post("/api/v1/customers/{c}/notes", customer).then().statusCode(note);
        });
        List<String> notes = given().auth().oauth2(TestTokens.admin()).get("/api/v1/customers/{c}/history", customer)
                .then().statusCode(200).extract().jsonPath().getList("notes.text", String.class);
        assertThat(notes).containsExactlyInAnyOrder("note by supervisor", "note by admin", "note by platform", "note by agent offered",
                "note by agent assigned", "note by agent transferred to");
        // an agent asking about a customer history has never seen: not theirs either
        given().auth().oauth2(TestTokens.agent(assigned)).get("/api/v1/customers/{c}/history", "c-unknown-" + UUID.randomUUID())
                .then().statusCode(403);
    }

    @Test
    void tags() {
        readers().forEach((who, allowed) -> given().auth().oauth2(token(who)).contentType(ContentType.JSON)
                .body(List.of("refund")).put("/api/v1/transcripts/{id}/tags", chat).then()
                .statusCode(allowed ? 200 : 403));
    }

    @Test
    void anUnknownChatIsForbiddenToAnAgentAndNotFoundForEveryoneElse() {
        String unknown = "no-such-chat-" + UUID.randomUUID();
        given().auth().oauth2(TestTokens.agent(assigned)).get("/api/v1/transcripts/{id}", unknown).then()
                .statusCode(403).contentType(containsString("application/problem+json"));
        given().auth().oauth2(TestTokens.agent(assigned)).contentType(ContentType.JSON).body(List.of("x"))
                .put("/api/v1/transcripts/{id}/tags", unknown).then().statusCode(403);
        for (String who : List.of("supervisor", "admin", "platform")) {
            given().auth().oauth2(token(who)).get("/api/v1/transcripts/{id}", unknown).then().statusCode(404);
        }
    }

    @Test
    void everyRoleOfTheContractReadsMetricsAndTagStatisticsAndOnlyAdminsErase() {
        // the contract's history-service section is open to agents, supervisors, admins and platforms (agents got 403
        // on the figures until 2026-12-05); a visitor token reads none of them
        String visitor = TestTokens.mint("v-metrics", "visitor");
        given().auth().oauth2(visitor).get("/api/v1/metrics?from=2025-06-01&to=2025-06-02").then().statusCode(403);
        given().auth().oauth2(visitor).get("/api/v1/tags/stats?from=2025-06-01&to=2025-06-02").then().statusCode(403);
        for (String who : readers().keySet()) {
            given().auth().oauth2(token(who)).get("/api/v1/metrics?from=2025-06-01&to=2025-06-02").then().statusCode(200);
            given().auth().oauth2(token(who)).get("/api/v1/metrics/today").then().statusCode(200);
            given().auth().oauth2(token(who)).get("/api/v1/tags/stats?from=2025-06-01&to=2025-06-02").then().statusCode(200);
            if (!who.equals("admin")) {
                given().auth().oauth2(token(who)).delete("/api/v1/customers/{c}", customer).then()
                        .statusCode(403).body("title", equalTo("Forbidden"));
                given().auth().oauth2(token(who)).post("/api/v1/retention/purge").then().statusCode(403);
            }
        }
        given().delete("/api/v1/customers/{c}", customer).then().statusCode(401);
        // nothing was erased
        given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chat).then().statusCode(200);
    }
}
