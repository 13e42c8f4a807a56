package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
import io.restassured.path.json.JsonPath;

/**
 * GET /api/v1/metrics on a hand-made set of six chats (through real Kafka into real PostgreSQL) whose figures are
 * worked out by hand below, for the definitions in the README (Metrics). Percentiles interpolate linearly
 * (PostgreSQL percentile_cont): of n sorted samples, p lies at position p * (n - 1).
 *
 * <pre>
 * t0 = 2024-02-10T09:00:00Z (a day no other test uses); seconds after t0
 * chat 1  m-q1  requested 0, assigned m-x 20 (x1), visitor 1, agent 50, visitor 60, visitor 70, agent 100, agent 110,
 *               visitor 120, agent 130, closed 300, survey csat 5 ces 1
 *               wait 20, first response 50, responses 40 (100-60) and 10 (130-120), handle 280
 * chat 2  m-q1  requested 30, assigned m-x 90 (x2: chat 1 held), visitor 31, agent 150, visitor 160, agent 190,
 *               closed 400, survey 3/3: wait 60, first response 120, response 30, handle 310
 * chat 3  m-q1  requested 40, closed by the visitor 100, never assigned: abandoned
 * chat 4  m-q2  requested 60, assigned m-y 70 (x1), visitor 61, agent 80, closed 170, survey csat 4 ces null:
 *               wait 10, first response 20, handle 100
 * chat 5  m-q2  requested 80, queued, still waiting: neither answered nor abandoned
 * chat 6  m-q1  requested 200, assigned m-x 210 (x3: chats 1 and 2 held), visitor 201, agent 215, visitor 220,
 *               agent 260, closed 500, survey 2/4: wait 10, first response 15, response 40, handle 290
 *
 * total: chats 6, abandoned 1, answered 4
 *   wait [10 10 20 60]: avg 25, p50 15, p90 20 + 0.7 * 40 = 48
 *   first response [15 20 50 120]: avg 51.25, p50 35, p90 50 + 0.7 * 70 = 99
 *   response [10 30 40 40]: avg 30, p50 35, p90 40
 *   handle [100 280 290 310]: avg 245, p50 285, p90 290 + 0.7 * 20 = 304
 *   CSAT (5 3 4 2) 3.5 of 4; CES (1 3 4) 2.67 of 3
 *   CSAT by concurrency: 1 -> 4.5 (chats 1, 4), 2 -> 3 (chat 2), 3 -> 2 (chat 6), 4..6 none
 * m-q1: chats 4, abandoned 1, answered 3; wait [10 20 60] avg 30 p50 20 p90 20 + 0.8 * 40 = 52;
 *   first response [15 50 120] avg 61.667 p50 50 p90 50 + 0.8 * 70 = 106; response as total;
 *   handle [280 290 310] avg 293.333 p50 290 p90 306; CSAT 3.33 of 3; by concurrency 1 -> 5, 2 -> 3, 3 -> 2
 * m-q2: chats 2, abandoned 0, answered 1; wait, first response, handle one sample each (10, 20, 100);
 *   no response time; CSAT 4 of 1, no CES
 * </pre>
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class MetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.parse("2024-02-10T09:00:00Z");
    private static final String RANGE = "from=2024-02-10&to=2024-02-11";
    private static KafkaTestClient kafka;
    private static Events events;

    @BeforeAll
    static void seed() {
        kafka = new KafkaTestClient();
        events = new Events(kafka);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String c1 = "m1-" + run, c2 = "m2-" + run, c3 = "m3-" + run, c4 = "m4-" + run, c5 = "m5-" + run,
                c6 = "m6-" + run;
        chat(c1, "m-q1", 0, "m-x", 20, 300, "agent", new int[] {1, 50, 60, 70, 100, 110, 120, 130},
                "vavvaava", 5, 1);
        chat(c2, "m-q1", 30, "m-x", 90, 400, "agent", new int[] {31, 150, 160, 190}, "vava", 3, 3);
        chat(c3, "m-q1", 40, null, 0, 100, "visitor", new int[] {41}, "v", null, null);
        chat(c4, "m-q2", 60, "m-y", 70, 170, "agent", new int[] {61, 80}, "va", 4, null);
        chat(c5, "m-q2", 80, null, 0, -1, null, new int[] {81}, "v", null, null);
        chat(c6, "m-q1", 200, "m-x", 210, 500, "agent", new int[] {201, 215, 220, 260}, "vava", 2, 4);
    }

    /** Publishes one chat's events; {@code kinds}: v (visitor) or a (agent) per message, at {@code times}. */
    private static void chat(String id, String queue, int requested, String agent, int assigned, int closed, String by,
                             int[] times, String kinds, Integer csat, Integer ces) {
        events.session("chat.requested", id, Events.requested(id, "c-metrics", T0.plusSeconds(requested)));
        events.routing("chat.queued", id, Events.queued(id, queue, T0.plusSeconds(requested + 1)));
        if (agent != null) {
            events.routing("chat.assigned", id, Events.assigned(id, agent, queue, T0.plusSeconds(assigned)));
        }
        for (int i = 0; i < times.length; i++) {
            boolean fromAgent = kinds.charAt(i) == 'a';
            events.session("chat.message.posted", id, Events.message(id, i + 1, fromAgent ? "agent" : "visitor",
                    fromAgent ? agent : null, "message " + (i + 1), T0.plusSeconds(times[i])));
        }
        if (closed >= 0) {
            events.session("chat.closed", id, agent != null ? Events.closed(id, by, agent, T0.plusSeconds(closed))
                    : "{\"chatId\":\"" + id + "\",\"by\":\"" + by + "\",\"agentId\":null,\"closedAt\":\""
                            + T0.plusSeconds(closed) + "\"}");
        }
        if (csat != null || ces != null) {
            events.session("chat.surveyed", id, Events.surveyed(id, csat, ces, null, T0.plusSeconds(closed + 10)));
        }
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    private static JsonPath metrics(String groupBy) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/metrics?" + RANGE + "&groupBy=" + groupBy)
                .then().statusCode(200).extract().jsonPath();
    }

    /** Every event applied: six chats, four surveys, four handle times, four response samples. */
    private static boolean seeded() {
        JsonPath m = metrics("queue");
        return m.getInt("total.chats") == 6 && m.getInt("total.csat.count") == 4 && m.getInt("total.handleSeconds.count") == 4
                && m.getInt("total.responseSeconds.count") == 4 && m.getInt("total.firstResponseSeconds.count") == 4
                && m.getInt("total.abandoned") == 1 && m.getInt("total.csatByConcurrency[2].surveys") == 1;
    }

    private static void durations(JsonPath m, String path, int count, double avg, double p50, double p90) {
        assertThat(m.getInt(path + ".count")).as(path + ".count").isEqualTo(count);
        assertThat(m.getDouble(path + ".avg")).as(path + ".avg").isCloseTo(avg, org.assertj.core.data.Offset.offset(0.001));
        assertThat(m.getDouble(path + ".p50")).as(path + ".p50").isCloseTo(p50, org.assertj.core.data.Offset.offset(0.001));
        assertThat(m.getDouble(path + ".p90")).as(path + ".p90").isCloseTo(p90, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void theFiguresOfTheHandMadeChatsAreTheOnesWorkedOutByHand() {
        await().atMost(WAIT).until(MetricsTest::seeded);
        JsonPath m = metrics("queue");
        assertThat(m.getString("from")).isEqualTo("2024-02-10T00:00:00Z");
        assertThat(m.getString("to")).isEqualTo("2024-02-11T00:00:00Z");
        assertThat(m.getString("groupBy")).isEqualTo("queue");

        assertThat(m.getInt("total.chats")).isEqualTo(6);
        assertThat(m.getInt("total.abandoned")).isEqualTo(1);
        assertThat(m.getInt("total.answered")).isEqualTo(4);
        durations(m, "total.waitSeconds", 4, 25, 15, 48);
        durations(m, "total.firstResponseSeconds", 4, 51.25, 35, 99);
        durations(m, "total.responseSeconds", 4, 30, 35, 40);
        durations(m, "total.handleSeconds", 4, 245, 285, 304);
        assertThat(m.getInt("total.csat.count")).isEqualTo(4);
        assertThat(m.getDouble("total.csat.avg")).isEqualTo(3.5);
        assertThat(m.getInt("total.ces.count")).isEqualTo(3);
        assertThat(m.getDouble("total.ces.avg")).isEqualTo(2.67);
        assertThat(m.getList("total.csatByConcurrency.concurrency", Integer.class)).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(m.getList("total.csatByConcurrency.surveys", Integer.class)).containsExactly(2, 1, 1, 0, 0, 0);
        assertThat(m.getList("total.csatByConcurrency.csat", Double.class)).containsExactly(4.5, 3.0, 2.0, null, null, null);

        assertThat(m.getList("groups.key", String.class)).containsExactly("m-q1", "m-q2");
        assertThat(m.getInt("groups[0].chats")).isEqualTo(4);
        assertThat(m.getInt("groups[0].abandoned")).isEqualTo(1);
        assertThat(m.getInt("groups[0].answered")).isEqualTo(3);
        durations(m, "groups[0].waitSeconds", 3, 30, 20, 52);
        durations(m, "groups[0].firstResponseSeconds", 3, 61.667, 50, 106);
        durations(m, "groups[0].responseSeconds", 4, 30, 35, 40);
        durations(m, "groups[0].handleSeconds", 3, 293.333, 290, 306);
        assertThat(m.getDouble("groups[0].csat.avg")).isEqualTo(3.33);
        assertThat(m.getList("groups[0].csatByConcurrency.csat", Double.class)).containsExactly(5.0, 3.0, 2.0, null, null, null);

        assertThat(m.getInt("groups[1].chats")).isEqualTo(2);
        assertThat(m.getInt("groups[1].abandoned")).isZero();
        assertThat(m.getInt("groups[1].answered")).isEqualTo(1);
        durations(m, "groups[1].waitSeconds", 1, 10, 10, 10);
        durations(m, "groups[1].firstResponseSeconds", 1, 20, 20, 20);
        durations(m, "groups[1].handleSeconds", 1, 100, 100, 100);
        assertThat(m.getInt("groups[1].responseSeconds.count")).isZero();
        assertThat((Object) m.get("groups[1].responseSeconds.p50")).isNull();
        assertThat(m.getDouble("groups[1].csat.avg")).isEqualTo(4.0);
        assertThat(m.getInt("groups[1].ces.count")).isZero();
        assertThat((Object) m.get("groups[1].ces.avg")).isNull();
    }

    @Test
    void groupedByAgentAndByDay() {
        await().atMost(WAIT).until(MetricsTest::seeded);
        JsonPath byAgent = metrics("agent");
        // chats without an agent (abandoned, waiting) are the group with a null key, last
        assertThat(byAgent.getList("groups.key", String.class)).containsExactly("m-x", "m-y", null);
        assertThat(byAgent.getList("groups.chats", Integer.class)).containsExactly(3, 1, 2);
        assertThat(byAgent.getList("groups.abandoned", Integer.class)).containsExactly(0, 0, 1);
        durations(byAgent, "groups[0].handleSeconds", 3, 293.333, 290, 306);
        assertThat(byAgent.getList("groups[0].csatByConcurrency.surveys", Integer.class)).containsExactly(1, 1, 1, 0, 0, 0);
        assertThat(byAgent.getInt("total.chats")).isEqualTo(6);

        JsonPath byDay = metrics("day");
        assertThat(byDay.getList("groups.key", String.class)).containsExactly("2024-02-10");
        assertThat(byDay.getInt("groups[0].chats")).isEqualTo(6);
        durations(byDay, "groups[0].firstResponseSeconds", 4, 51.25, 35, 99);

        JsonPath byHour = metrics("hour");
        assertThat(byHour.getList("groups.key", String.class)).containsExactly("2024-02-10T09:00:00Z");

        // a range without these chats
        JsonPath before = given().auth().oauth2(TestTokens.admin()).get("/api/v1/metrics?from=2024-02-09&to=2024-02-10")
                .then().statusCode(200).extract().jsonPath();
        assertThat(before.getInt("total.chats")).isZero();
        assertThat(before.getList("groups")).isEmpty();
        assertThat(before.getList("total.csatByConcurrency.concurrency", Integer.class)).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void todayIsFromMidnightUtcUntilNow() {
        Instant before = Instant.now();
        JsonPath today = given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/metrics/today?groupBy=hour")
                .then().statusCode(200).extract().jsonPath();
        Instant after = Instant.now();
        // the day of the request: before's or, when the request crossed midnight UTC, after's
        assertThat(today.getString("from")).isIn(before.truncatedTo(java.time.temporal.ChronoUnit.DAYS).toString(),
                after.truncatedTo(java.time.temporal.ChronoUnit.DAYS).toString());
        assertThat(Instant.parse(today.getString("to"))).isBetween(before.minusSeconds(1), after.plusSeconds(1));
        assertThat(today.getString("groupBy")).isEqualTo("hour");
    }

    @Test
    void badParametersAreFieldErrors() {
        String sup = TestTokens.supervisor();
        given().auth().oauth2(sup).get("/api/v1/metrics").then()
                .statusCode(400).contentType(containsString("application/problem+json"))
                .body("errors.field", equalTo(List.of("from", "to")));
        given().auth().oauth2(sup).get("/api/v1/metrics?from=yesterday&to=2024-01-01&groupBy=week").then()
                .statusCode(400).body("errors.field", equalTo(List.of("from", "groupBy")));
        given().auth().oauth2(sup).get("/api/v1/metrics?from=2024-01-02&to=2024-01-01").then()
                .statusCode(400).body("errors.field", equalTo(List.of("to")));
        given().auth().oauth2(sup).get("/api/v1/metrics?from=2024-01-01&to=2025-06-01").then()
                .statusCode(400).body("errors[0].message", containsString("366"));
        given().auth().oauth2(sup).get("/api/v1/metrics/today?groupBy=month").then()
                .statusCode(400).body("errors.field", equalTo(List.of("groupBy")));
        given().get("/api/v1/metrics/today").then().statusCode(401);
    }
}
