package io.chatroute.routing.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.KafkaTestClient.Event;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.JsonConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/** GET /api/v1/stats/live against real Kafka and Redis, and GET /api/v1/forecast/staffing. */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class StatsApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(30);
    static KafkaTestClient kafka;
    static List<Event> chatEvents;
    static List<Event> statsEvents;

    @Inject
    RedisDataSource redis;

    @Inject
    io.chatroute.routing.persistence.RoutingStore store;

    final String u = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void start() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
        statsEvents = kafka.collect("stats-events");
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static RequestSpecification as(String token) {
        return given().config(DOUBLES).auth().oauth2(token).contentType(ContentType.JSON);
    }

    /** JSON numbers with decimals read as doubles (RestAssured's default is float). */
    static final RestAssuredConfig DOUBLES = RestAssured.config()
            .jsonConfig(JsonConfig.jsonConfig().numberReturnType(JsonPathConfig.NumberReturnType.DOUBLE));

    static RequestSpecification admin() {
        return as(TestTokens.admin());
    }

    static JsonNode stats() throws Exception {
        return JSON.readTree(as(TestTokens.supervisor()).get("/api/v1/stats/live").then().statusCode(200).extract().asString());
    }

    static JsonNode find(JsonNode stats, String list, String idField, String id) {
        for (JsonNode n : stats.get(list)) {
            if (id.equals(n.get(idField).asText())) {
                return n;
            }
        }
        throw new AssertionError(list + " has no " + id);
    }

    JsonNode queue(String id) throws Exception {
        return find(stats(), "queues", "queueId", id);
    }

    JsonNode agent(String id) throws Exception {
        return find(stats(), "agents", "agentId", id);
    }

    void requestChat(String chatId, String topic) {
        String data = """
                {"chatId":"%s","formId":"f-%s","visitor":{"name":"Anna","email":"a@example.com","locale":"en","customerId":"c-%s"},
                 "form":{"topic":"%s"},"message":"hello","requestedAt":"%s"}""".formatted(chatId, u, u, topic, Instant.now());
        EventSchemas.assertValid("session-service", "chat.requested", data);
        kafka.send("chat-events", chatId, "chat.requested", "/session-service", data);
    }

    static JsonNode awaitEvent(String type, String chatId) throws Exception {
        Event e = await().atMost(WAIT).until(() -> chatEvents.stream().filter(x -> type.equals(x.type()) && chatId.equals(x.key()))
                .findFirst().orElse(null), x -> x != null);
        return JSON.readTree(e.data());
    }

    void accept(String chatId, JsonNode offered) throws Exception {
        String data = """
                {"chatId":"%s","agentId":"%s","offerId":"%s","acceptedAt":"%s"}"""
                .formatted(chatId, offered.get("agentId").asText(), offered.get("offerId").asText(), Instant.now());
        EventSchemas.assertValid("session-service", "chat.offer.accepted", data);
        kafka.send("chat-events", chatId, "chat.offer.accepted", "/session-service", data);
        awaitEvent("chat.assigned", chatId);
    }

    void close(String chatId) {
        String data = """
                {"chatId":"%s","by":"visitor","closedAt":"%s"}""".formatted(chatId, Instant.now());
        EventSchemas.assertValid("session-service", "chat.closed", data);
        kafka.send("chat-events", chatId, "chat.closed", "/session-service", data);
    }

    @Test
    void liveStatsFollowQueuesAgentsAndAssignments() throws Exception {
        // the day's counters start again at midnight UTC: a run that would cross it starts after it instead
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Instant now = Instant.now();
            return Duration.between(now, now.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS)).toSeconds() > 120;
        });
        String qa = "qa-" + u;
        String qb = "qb-" + u;
        String a1 = "la1-" + u;
        String a2 = "la2-" + u;
        String b1 = "lb1-" + u;
        admin().body("{\"fields\":[{\"name\":\"topic\",\"type\":\"select\",\"required\":true,\"options\":[\"a-" + u + "\",\"b-" + u + "\"]}]}")
                .put("/api/v1/forms/f-" + u).then().statusCode(200);
        admin().body("{\"name\":\"A\",\"requiredSkills\":{\"sa-" + u + "\":1}}").put("/api/v1/queues/" + qa).then().statusCode(200)
                .body("serviceLevelTargetSeconds", equalTo(60));
        admin().body("{\"name\":\"B\",\"requiredSkills\":{\"sb-" + u + "\":1},\"serviceLevelTargetSeconds\":1}").put("/api/v1/queues/" + qb)
                .then().statusCode(200).body("serviceLevelTargetSeconds", equalTo(1));
        admin().body("""
                [{"id":"ra-%1$s","when":{"topic":"a-%1$s"},"queueId":"qa-%1$s"},{"id":"rb-%1$s","when":{"topic":"b-%1$s"},"queueId":"qb-%1$s"}]"""
                .formatted(u)).put("/api/v1/routing/rules").then().statusCode(200);
        admin().body("{\"displayName\":\"A1\",\"skills\":{\"sa-" + u + "\":5},\"maxConcurrentChats\":2}").put("/api/v1/agents/" + a1).then().statusCode(200);
        admin().body("{\"displayName\":\"A2\",\"skills\":{\"sa-" + u + "\":5}}").put("/api/v1/agents/" + a2).then().statusCode(200);
        admin().body("{\"displayName\":\"B1\",\"skills\":{\"sb-" + u + "\":5},\"maxConcurrentChats\":1}").put("/api/v1/agents/" + b1).then().statusCode(200);
        admin().body("{\"status\":\"AVAILABLE\"}").put("/api/v1/agents/" + a1 + "/presence").then().statusCode(200);
        admin().body("{\"status\":\"AWAY\"}").put("/api/v1/agents/" + a2 + "/presence").then().statusCode(200);

        JsonNode s = stats();
        assertThat(Instant.parse(s.get("at").asText())).isBetween(Instant.now().minusSeconds(30), Instant.now().plusSeconds(1));
        assertThat(s.get("day").asText()).isEqualTo(LocalDate.now(ZoneOffset.UTC).toString());
        JsonNode a = find(s, "queues", "queueId", qa);
        assertThat(a.get("waiting").asLong()).isZero();
        assertThat(a.get("agentsAvailable").asInt()).isEqualTo(1); // a1; a2 is AWAY
        assertThat(a.get("agentsAble").asInt()).isEqualTo(2);
        assertThat(a.get("freeSlots").asLong()).isEqualTo(2);
        assertThat(a.get("serviceLevel").isNull()).isTrue(); // nothing answered yet today
        assertThat(a.get("answeredToday").asLong()).isZero();
        assertThat(find(s, "queues", "queueId", qb).get("agentsAvailable").asInt()).isZero();
        JsonNode ag = find(s, "agents", "agentId", a1);
        assertThat(ag.get("presence").asText()).isEqualTo("AVAILABLE");
        assertThat(ag.get("activeChats").asInt()).isZero();
        assertThat(ag.get("maxConcurrentChats").asInt()).isEqualTo(2);
        assertThat(find(s, "agents", "agentId", b1).get("presence").asText()).isEqualTo("OFFLINE");
        assertThat(find(s, "agents", "agentId", b1).get("idleSeconds").asLong()).isZero();

        // one chat per queue: A's goes to a1 at once, B's waits (b1 is offline)
        String ca = "sa-" + u;
        String cb = "sb-" + u;
        requestChat(ca, "a-" + u);
        requestChat(cb, "b-" + u);
        JsonNode offerA = awaitEvent("chat.offered", ca);
        assertThat(offerA.get("agentId").asText()).isEqualTo(a1);
        awaitEvent("chat.queued", cb);
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode st = stats();
            JsonNode qA = find(st, "queues", "queueId", qa);
            JsonNode qB = find(st, "queues", "queueId", qb);
            JsonNode ag1 = find(st, "agents", "agentId", a1);
            assertThat(ag1.get("activeChats").asInt()).isEqualTo(1);
            assertThat(ag1.get("idleSeconds").asLong()).isZero();
            assertThat(qA.get("waiting").asLong()).isZero();
            assertThat(qA.get("agentsAvailable").asInt()).isEqualTo(1); // one slot of two still free
            assertThat(qA.get("freeSlots").asLong()).isEqualTo(1);
            assertThat(qB.get("waiting").asLong()).isEqualTo(1);
            // second in line, no free slot, no history yet: Erlang C with one assumed slot, the default handle time (300 s)
            // and the one arrival of the window (900 s): 150 s for the first waiting chat, 300 s for each ahead of it
            assertThat(qB.get("estimatedWaitSeconds").asLong()).isEqualTo(450);
            assertThat(qB.get("longestWaitSeconds").asLong()).isGreaterThanOrEqualTo(2); // B's chat outwaits its 1 s target
        });
        // the same view goes out as stats.updated (the dashboard's feed), with B's queue as an alert
        JsonNode published = awaitStats(d -> findOrNull(d, "queues", "queueId", qb) != null
                && findOrNull(d, "queues", "queueId", qb).get("waiting").asLong() == 1 && hasAlert(d, qb, "wait-over-target"));
        assertThat(find(published, "agents", "agentId", a1).get("activeChats").asInt()).isEqualTo(1);

        accept(ca, offerA);
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode qA = queue(qa);
            assertThat(qA.get("answeredToday").asLong()).isEqualTo(1);
            assertThat(qA.get("answeredWithinTargetToday").asLong()).isEqualTo(1);
            assertThat(qA.get("serviceLevel").asDouble()).isEqualTo(1.0);
        });

        admin().body("{\"status\":\"AVAILABLE\"}").put("/api/v1/agents/" + b1 + "/presence").then().statusCode(200);
        JsonNode offerB = awaitEvent("chat.offered", cb);
        assertThat(offerB.get("agentId").asText()).isEqualTo(b1);
        accept(cb, offerB);
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode qB = queue(qb);
            assertThat(qB.get("answeredToday").asLong()).isEqualTo(1);
            assertThat(qB.get("answeredWithinTargetToday").asLong()).isZero();
            assertThat(qB.get("serviceLevel").asDouble()).isEqualTo(0.0);
            assertThat(qB.get("averageAnswerSeconds").asDouble()).isGreaterThanOrEqualTo(2.0);
            assertThat(qB.get("waiting").asLong()).isZero();
            assertThat(qB.get("longestWaitSeconds").asLong()).isZero();
        });
        JsonNode afterAnswer = awaitStats(d -> hasAlert(d, qb, "service-level-below-target") && !hasAlert(d, qb, "wait-over-target"));
        assertThat(find(afterAnswer, "queues", "queueId", qb).get("serviceLevel").asDouble()).isEqualTo(0.0);
        assertThat(hasAlert(afterAnswer, qa, "service-level-below-target")).isFalse(); // A answered within its target

        // a chat that leaves while waiting (b1 is full) counts as abandoned
        String cc = "sc-" + u;
        requestChat(cc, "b-" + u);
        awaitEvent("chat.queued", cc);
        await().atMost(WAIT).untilAsserted(() -> assertThat(queue(qb).get("waiting").asLong()).isEqualTo(1));
        close(cc);
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode qB = queue(qb);
            assertThat(qB.get("abandonedToday").asLong()).isEqualTo(1);
            assertThat(qB.get("waiting").asLong()).isZero();
            assertThat(qB.get("answeredToday").asLong()).isEqualTo(1);
        });

        // a1 has been AVAILABLE for more than two seconds; its idle time starts again when its last chat closes
        long closedAt = System.currentTimeMillis();
        close(ca);
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode ag1 = agent(a1);
            assertThat(ag1.get("activeChats").asInt()).isZero();
            // counted from the close (however long the stats took to show it), not from when it became AVAILABLE
            assertThat(ag1.get("idleSeconds").asLong()).isLessThanOrEqualTo(1 + (System.currentTimeMillis() - closedAt) / 1000);
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(agent(a1).get("idleSeconds").asLong()).isGreaterThanOrEqualTo(1));

        // the day's counters expire (nothing grows forever)
        String key = store.keys().queueStats(qb, LocalDate.now(ZoneOffset.UTC).toString());
        assertThat(redis.key().ttl(key)).isBetween(1L, 172_800L);
        assertThat(redis.hash(String.class).hget(key, "answered")).isEqualTo("1");

        for (String agentId : List.of(a1, a2, b1)) {
            admin().body("{\"status\":\"OFFLINE\"}").put("/api/v1/agents/" + agentId + "/presence").then().statusCode(200);
        }
    }

    /** The latest stats.updated (checked against routing-service's schema) that satisfies the condition. */
    static JsonNode awaitStats(java.util.function.Predicate<JsonNode> condition) {
        return await().atMost(WAIT).until(() -> {
            for (int i = statsEvents.size() - 1; i >= 0; i--) {
                Event e = statsEvents.get(i);
                if ("stats.updated".equals(e.type())) {
                    io.chatroute.infra.test.EventSchemas.assertValid("routing-service", "stats.updated", e.data());
                    JsonNode d = JSON.readTree(e.data());
                    return condition.test(d) ? d : null;
                }
            }
            return null;
        }, d -> d != null);
    }

    static JsonNode findOrNull(JsonNode stats, String list, String idField, String id) {
        for (JsonNode n : stats.path(list)) {
            if (id.equals(n.path(idField).asText())) {
                return n;
            }
        }
        return null;
    }

    static boolean hasAlert(JsonNode stats, String queueId, String kind) {
        for (JsonNode a : stats.path("alerts")) {
            if (queueId.equals(a.path("queueId").asText()) && kind.equals(a.path("kind").asText())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void liveStatsNeedASupervisorAdminOrPlatform() {
        given().get("/api/v1/stats/live").then().statusCode(401).contentType("application/problem+json");
        as(TestTokens.agent("ag-" + u)).get("/api/v1/stats/live").then().statusCode(403).contentType("application/problem+json")
                .body("status", equalTo(403));
        as(TestTokens.supervisor()).get("/api/v1/stats/live").then().statusCode(200);
        admin().get("/api/v1/stats/live").then().statusCode(200);
        as(TestTokens.platform()).get("/api/v1/stats/live").then().statusCode(200);
        admin().body("{\"name\":\"X\",\"serviceLevelTargetSeconds\":0}").put("/api/v1/queues/x-" + u).then().statusCode(400)
                .body("errors.field", hasItem("serviceLevelTargetSeconds"));
    }

    static final String STAFFING = "/api/v1/forecast/staffing";

    @Test
    void forecastComputesErlangCWithConcurrency() {
        as(TestTokens.supervisor()).queryParams("chatsPerHour", "200", "avgHandleSeconds", "180", "concurrency", "1", "serviceLevel", "0.8",
                "withinSeconds", "20").get(STAFFING).then().statusCode(200)
                .body("agents", equalTo(14)).body("servers", equalTo(14))
                .body("trafficErlangs", closeTo(10.0, 1e-9))
                .body("predictedServiceLevel", closeTo(0.8884, 1e-4))
                .body("averageWaitSeconds", closeTo(7.84, 0.01))
                .body("probabilityOfWaiting", closeTo(0.1741, 1e-4))
                .body("occupancy", closeTo(0.7143, 1e-4))
                .body("inputs.chatsPerHour", closeTo(200.0, 0)).body("inputs.concurrency", equalTo(1))
                .body("table.agents", contains(12, 13, 14, 15, 16))
                .body("table.meetsTarget", contains(false, false, true, true, true));
        as(TestTokens.platform()).queryParams("chatsPerHour", "120", "avgHandleSeconds", "600", "concurrency", "4", "serviceLevel", "0.8",
                "withinSeconds", "30").get(STAFFING).then().statusCode(200)
                .body("agents", equalTo(7)).body("servers", equalTo(28))
                .body("predictedServiceLevel", closeTo(0.9579, 1e-4))
                .body("averageWaitSeconds", closeTo(4.71, 0.01));
        admin().queryParams("chatsPerHour", "120", "avgHandleSeconds", "600", "concurrency", "4", "serviceLevel", "0.8",
                "withinSeconds", "30").get(STAFFING).then().statusCode(200);
    }

    @Test
    void forecastRolesAndValidation() {
        given().get(STAFFING + "?chatsPerHour=1&avgHandleSeconds=1&concurrency=1&serviceLevel=0.5&withinSeconds=1").then().statusCode(401);
        as(TestTokens.agent("ag-" + u)).get(STAFFING + "?chatsPerHour=1&avgHandleSeconds=1&concurrency=1&serviceLevel=0.5&withinSeconds=1")
                .then().statusCode(403);
        as(TestTokens.supervisor()).get(STAFFING).then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("errors.field", containsInAnyOrder("chatsPerHour", "avgHandleSeconds", "concurrency", "serviceLevel", "withinSeconds"))
                .body("errors.message", hasItem("required"));
        as(TestTokens.supervisor()).get(STAFFING + "?chatsPerHour=lots&avgHandleSeconds=600&concurrency=four&serviceLevel=0.8&withinSeconds=30")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", containsInAnyOrder("chatsPerHour", "concurrency"))
                .body("errors.message", hasItem("must be a number"));
        as(TestTokens.supervisor()).get(STAFFING + "?chatsPerHour=0&avgHandleSeconds=86401&concurrency=7&serviceLevel=1&withinSeconds=3601")
                .then().statusCode(400)
                .body("errors.field", containsInAnyOrder("chatsPerHour", "avgHandleSeconds", "concurrency", "serviceLevel", "withinSeconds"));
        as(TestTokens.supervisor()).get(STAFFING + "?chatsPerHour=1000001&avgHandleSeconds=0.5&concurrency=0&serviceLevel=0&withinSeconds=0.5")
                .then().statusCode(400)
                .body("errors.field", containsInAnyOrder("chatsPerHour", "avgHandleSeconds", "concurrency", "serviceLevel", "withinSeconds"));
    }
}
