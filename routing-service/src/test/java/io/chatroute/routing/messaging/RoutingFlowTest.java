package io.chatroute.routing.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** The Kafka flow against real Kafka and Redis: request -> queued -> offered -> decline -> re-offer -> accept -> assigned. */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class RoutingFlowTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(30);
    static KafkaTestClient kafka;
    static List<Event> chatEvents;
    static List<Event> agentEvents;

    final String u = UUID.randomUUID().toString().substring(0, 8);

    @jakarta.inject.Inject
    io.chatroute.routing.persistence.RoutingStore store;
    @jakarta.inject.Inject
    Router router;
    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry meters;
    final String skill = "flow-" + u;

    @BeforeAll
    static void start() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
        agentEvents = kafka.collect("agent-events");
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static RequestSpecification admin() {
        return given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON);
    }

    void setUp(int offerTimeoutSeconds, String... agents) {
        admin().body("{\"fields\":[{\"name\":\"topic\",\"type\":\"select\",\"required\":true,\"options\":[\"t-" + u + "\"]}]}")
                .put("/api/v1/forms/f-" + u).then().statusCode(200);
        admin().body("{\"name\":\"Flow\",\"offerTimeoutSeconds\":" + offerTimeoutSeconds + ",\"requiredSkills\":{\"" + skill + "\":1}}")
                .put("/api/v1/queues/q-" + u).then().statusCode(200);
        admin().body("[{\"id\":\"r-" + u + "\",\"when\":{\"topic\":\"t-" + u + "\"},\"queueId\":\"q-" + u + "\"}]")
                .put("/api/v1/routing/rules").then().statusCode(200);
        int level = 9;
        for (String a : agents) {
            admin().body("{\"displayName\":\"Agent " + a + "\",\"title\":\"Support\",\"skills\":{\"" + skill + "\":" + (level--) + "}}")
                    .put("/api/v1/agents/" + a).then().statusCode(200);
            admin().body("{\"status\":\"AVAILABLE\"}").put("/api/v1/agents/" + a + "/presence").then().statusCode(200);
        }
    }

    String requestChat(String chatId, String eventId) {
        String data = """
                {"chatId":"%s","formId":"f-%s","visitor":{"name":"Anna","email":"a@example.com","locale":"ru","customerId":"c-42"},
                 "form":{"topic":"t-%s"},"message":"I was charged twice","queueId":"q-%s","requestedAt":"%s"}"""
                .formatted(chatId, u, u, u, Instant.now());
        EventSchemas.assertValid("session-service", "chat.requested", data);
        return kafka.send("chat-events", chatId, eventId, "chat.requested", "/session-service", data);
    }

    /** What routing announced about one key: each event once (a relay may publish an event again). */
    static List<Event> of(List<Event> events, String type, String key) {
        return KafkaTestClient.once(events, type, e -> key.equals(e.key()));
    }

    static JsonNode data(Event e) throws Exception {
        EventSchemas.assertValid("routing-service", e.type(), e.data());
        assertThat(e.source()).isEqualTo("/routing-service");
        assertThat(e.subject()).isEqualTo(e.key());
        assertThat(e.headers()).containsKeys("ce_specversion", "ce_time", "content-type");
        return JSON.readTree(e.data());
    }

    static Event awaitOne(List<Event> events, String type, String key, int index) {
        await().atMost(WAIT).until(() -> of(events, type, key).size() > index);
        return of(events, type, key).get(index);
    }

    @Test
    void requestOfferDeclineReofferAcceptAndClose() throws Exception {
        String a1 = "fa1-" + u;
        String a2 = "fa2-" + u;
        setUp(60, a1, a2);
        String chatId = "chat-" + u;
        requestChat(chatId, UUID.randomUUID().toString());

        JsonNode queued = data(awaitOne(chatEvents, "chat.queued", chatId, 0));
        assertThat(queued.get("queueId").asText()).isEqualTo("q-" + u);
        assertThat(queued.get("ruleId").asText()).isEqualTo("r-" + u);
        assertThat(queued.get("position").asInt()).isEqualTo(1);

        JsonNode offered = data(awaitOne(chatEvents, "chat.offered", chatId, 0));
        assertThat(offered.get("agentId").asText()).isEqualTo(a1); // higher skill wins the tie on load
        assertThat(offered.get("message").asText()).isEqualTo("I was charged twice");
        assertThat(offered.get("visitor").get("customerId").asText()).isEqualTo("c-42");
        assertThat(offered.get("form").get("topic").asText()).isEqualTo("t-" + u);
        Event cap = await().atMost(WAIT).until(() -> of(agentEvents, "agent.capacity.changed", a1).stream().findFirst().orElse(null),
                e -> e != null);
        assertThat(data(cap).get("active").asInt()).isEqualTo(1);

        String declined = """
                {"chatId":"%s","agentId":"%s","offerId":"%s","reason":"busy","declinedAt":"%s"}"""
                .formatted(chatId, a1, offered.get("offerId").asText(), Instant.now());
        EventSchemas.assertValid("session-service", "chat.offer.declined", declined);
        kafka.send("chat-events", chatId, "chat.offer.declined", "/session-service", declined);

        JsonNode reoffer = data(awaitOne(chatEvents, "chat.offered", chatId, 1));
        assertThat(reoffer.get("agentId").asText()).isEqualTo(a2);
        assertThat(reoffer.get("offerId").asText()).isNotEqualTo(offered.get("offerId").asText());

        // a stale accept (the first offer) fails; the current one is assigned
        String stale = accepted(chatId, a1, offered.get("offerId").asText());
        kafka.send("chat-events", chatId, "chat.offer.accepted", "/session-service", stale);
        JsonNode failed = data(awaitOne(chatEvents, "chat.assignment.failed", chatId, 0));
        assertThat(failed.get("agentId").asText()).isEqualTo(a1);

        kafka.send("chat-events", chatId, "chat.offer.accepted", "/session-service", accepted(chatId, a2, reoffer.get("offerId").asText()));
        JsonNode assigned = data(awaitOne(chatEvents, "chat.assigned", chatId, 0));
        assertThat(assigned.get("agentId").asText()).isEqualTo(a2);
        assertThat(assigned.get("agent").get("displayName").asText()).isEqualTo("Agent " + a2);
        assertThat(assigned.get("queueId").asText()).isEqualTo("q-" + u);

        String routing = admin().get("/api/v1/chats/" + chatId + "/routing").then().statusCode(200).extract().asString();
        JsonNode r = JSON.readTree(routing);
        assertThat(r.get("state").asText()).isEqualTo("ASSIGNED");
        assertThat(r.get("steps").findValuesAsText("step")).containsSubsequence("queued", "offered", "declined", "offered", "assigned");
        assertThat(r.get("steps").get(1).get("candidates").size()).isGreaterThanOrEqualTo(2);

        String closed = """
                {"chatId":"%s","by":"agent","agentId":"%s","closedAt":"%s"}""".formatted(chatId, a2, Instant.now());
        EventSchemas.assertValid("session-service", "chat.closed", closed);
        String closeId = kafka.send("chat-events", chatId, "chat.closed", "/session-service", closed);
        kafka.send("chat-events", chatId, closeId, "chat.closed", "/session-service", closed); // redelivery
        await().atMost(WAIT).untilAsserted(() -> admin().get("/api/v1/chats/" + chatId + "/routing").then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("CLOSED")));
        await().atMost(WAIT).untilAsserted(() -> admin().get("/api/v1/agents/" + a2).then().body("activeChats", org.hamcrest.Matchers.equalTo(0)));
        // a2: +1 on offer, -1 on close: exactly two capacity events, whatever the redelivery
        await().atMost(WAIT).until(() -> of(agentEvents, "agent.capacity.changed", a2).size() >= 2);
        assertThat(of(agentEvents, "agent.capacity.changed", a2)).extracting(e -> JSON.readTree(e.data()).get("active").asInt())
                .containsExactly(1, 0);
    }

    @Test
    void duplicateEventIsProcessedOnce() throws Exception {
        setUp(60);
        String chatId = "dup-" + u;
        String eventId = UUID.randomUUID().toString();
        requestChat(chatId, eventId);
        requestChat(chatId, eventId);
        String other = "dup2-" + u;
        requestChat(other, UUID.randomUUID().toString());
        // the later chat is queued behind the first (it may be told position 1 first when its partition's consumer ran
        // ahead, then 2 once the first was read)
        await().atMost(WAIT).until(() -> of(chatEvents, "chat.queued", other).stream()
                .anyMatch(e -> e.data().contains("\"position\":2")));
        // a marker on the duplicated chat's own key, after the duplicate: once it is applied, the duplicate was read too
        String closed = """
                {"chatId":"%s","by":"visitor","closedAt":"%s"}""".formatted(chatId, Instant.now());
        EventSchemas.assertValid("session-service", "chat.closed", closed);
        kafka.send("chat-events", chatId, "chat.closed", "/session-service", closed);
        await().atMost(WAIT).untilAsserted(() -> admin().get("/api/v1/chats/" + chatId + "/routing").then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("CLOSED")));
        // enqueued once (later chat.queued of the same chat only re-announce a changed estimate)
        assertThat(of(chatEvents, "chat.queued", chatId).stream().filter(e -> e.data().contains("\"reason\":\"enqueued\"")).toList())
                .hasSize(1);
    }

    @Test
    void presenceRequestedFromSessionAndOfferTimeout() throws Exception {
        String a1 = "ta1-" + u;
        setUp(5);
        admin().body("{\"displayName\":\"T\",\"skills\":{\"" + skill + "\":5}}").put("/api/v1/agents/" + a1).then().statusCode(200);
        String presence = """
                {"agentId":"%s","status":"AVAILABLE","requestedAt":"%s"}""".formatted(a1, Instant.now());
        EventSchemas.assertValid("session-service", "agent.presence.requested", presence);
        kafka.send("agent-events", a1, "agent.presence.requested", "/session-service", presence);
        JsonNode changed = data(awaitOne(agentEvents, "agent.presence.changed", a1, 0));
        assertThat(changed.get("status").asText()).isEqualTo("AVAILABLE");
        assertThat(changed.get("previousStatus").asText()).isEqualTo("OFFLINE");

        String chatId = "to-" + u;
        requestChat(chatId, UUID.randomUUID().toString());
        JsonNode offered = data(awaitOne(chatEvents, "chat.offered", chatId, 0));
        JsonNode timeout = data(awaitOne(chatEvents, "chat.offer.declined", chatId, 0));
        assertThat(timeout.get("reason").asText()).isEqualTo("timeout");
        assertThat(timeout.get("offerId").asText()).isEqualTo(offered.get("offerId").asText());
        await().atMost(WAIT).untilAsserted(() -> admin().get("/api/v1/agents/" + a1).then().body("activeChats", org.hamcrest.Matchers.equalTo(0)));
        // the only agent missed it: not offered the same chat again right away, the chat waits at the head of its queue
        admin().get("/api/v1/chats/" + chatId + "/routing").then().statusCode(200).body("state", org.hamcrest.Matchers.equalTo("QUEUED"));
        assertThat(of(chatEvents, "chat.offered", chatId)).hasSize(1);
    }

    @Test
    void evaluationReservesThePlaceTheChatKeeps() throws Exception {
        setUp(60);
        String away = "ra-" + u; // able to serve (so chats wait rather than go OFFLINE) but takes no offers
        admin().body("{\"displayName\":\"R\",\"skills\":{\"" + skill + "\":5}}").put("/api/v1/agents/" + away).then().statusCode(200);
        admin().body("{\"status\":\"AWAY\"}").put("/api/v1/agents/" + away + "/presence").then().statusCode(200);
        String c1 = "res1-" + u;
        String c2 = "res2-" + u;
        assertThat(evaluate(c1)).isEqualTo(1);
        assertThat(evaluate(c2)).isEqualTo(2);
        assertThat(evaluate(c1)).isEqualTo(1); // asked again: the same place
        // without a chat id (and simulate) nothing is reserved: the next place is announced, not taken
        assertThat(evaluate(null)).isEqualTo(3);
        assertThat(admin().body(form(null)).post("/api/v1/routing/simulate").then().statusCode(200).extract().jsonPath().getInt("position"))
                .isEqualTo(3);
        assertThat(evaluate(null)).isEqualTo(3);

        // chat.requested in the opposite order: each chat keeps the place it got at evaluation
        requestChat(c2, UUID.randomUUID().toString());
        assertThat(data(awaitOne(chatEvents, "chat.queued", c2, 0)).get("position").asInt()).isEqualTo(2);
        requestChat(c1, UUID.randomUUID().toString());
        assertThat(data(awaitOne(chatEvents, "chat.queued", c1, 0)).get("position").asInt()).isEqualTo(1);
        assertThat(evaluate(c1)).isEqualTo(1); // queued now: evaluation reports its place, takes no second one

        // a reservation never confirmed by chat.requested is given back
        String c3 = "res3-" + u;
        assertThat(evaluate(c3)).isEqualTo(3);
        assertThat(router.unreserve(c2, Instant.now().plusSeconds(1)).code()).isEqualTo("KEPT"); // queued chats are never dropped
        assertThat(router.unreserve(c3, Instant.now().minusSeconds(60)).code()).isEqualTo("KEPT"); // too young
        assertThat(router.unreserve(c3, Instant.now().plusSeconds(1)).code()).isEqualTo("DROPPED");
        assertThat(evaluate(null)).isEqualTo(3);
        assertThat(of(chatEvents, "chat.queued", c3)).isEmpty();
        // its chat.requested, late (routing was behind), still puts it in line: a dropped reservation leaves no mark
        // that would refuse the chat's entry (the chat starts again at epoch 1)
        requestChat(c3, UUID.randomUUID().toString());
        assertThat(data(awaitOne(chatEvents, "chat.queued", c3, 0)).get("position").asInt()).isEqualTo(3);
    }

    /** session-service's chat.offer.delivered for the chat's first offer, as soon as it is seen. */
    void deliver(String chatId) throws Exception {
        JsonNode offered = data(awaitOne(chatEvents, "chat.offered", chatId, 0));
        String d = """
                {"chatId":"%s","agentId":"%s","offerId":"%s","deliveredAt":"%s"}""".formatted(chatId, offered.get("agentId").asText(),
                offered.get("offerId").asText(), Instant.now());
        EventSchemas.assertValid("session-service", "chat.offer.delivered", d);
        kafka.send("chat-events", chatId, "chat.offer.delivered", "/session-service", d);
    }

    @Test
    void threeMissedOffersInARowSetTheAgentAway() throws Exception {
        setUp(10); // time for the test's chat.offer.delivered to be applied before the offer expires
        String a = "ma-" + u;
        admin().body("{\"displayName\":\"M\",\"maxConcurrentChats\":3,\"skills\":{\"" + skill + "\":5}}")
                .put("/api/v1/agents/" + a).then().statusCode(200);
        admin().body("{\"status\":\"AVAILABLE\"}").put("/api/v1/agents/" + a + "/presence").then().statusCode(200);
        for (String c : List.of("m1-" + u, "m2-" + u)) {
            requestChat(c, UUID.randomUUID().toString());
        }
        for (String c : List.of("m1-" + u, "m2-" + u)) {
            deliver(c); // the agent saw them: their timeouts are missed offers
        }
        for (String c : List.of("m1-" + u, "m2-" + u)) {
            JsonNode timeout = data(awaitOne(chatEvents, "chat.offer.declined", c, 0));
            assertThat(timeout.get("reason").asText()).isEqualTo("timeout");
            assertThat(timeout.get("delivered").asBoolean()).isTrue();
        }
        await().atMost(WAIT).untilAsserted(() -> admin().get("/api/v1/agents/" + a).then().body("activeChats", org.hamcrest.Matchers.equalTo(0)));
        // two missed in a row: still available (a slow answer is not yet a pattern)
        admin().get("/api/v1/agents/" + a).then().body("presence", org.hamcrest.Matchers.equalTo("AVAILABLE"));
        assertThat(of(agentEvents, "agent.presence.changed", a).stream()
                .filter(e -> e.data().contains("missed-offer")).toList()).isEmpty();

        String third = "m3-" + u;
        requestChat(third, UUID.randomUUID().toString());
        deliver(third);
        assertThat(data(awaitOne(chatEvents, "chat.offer.declined", third, 0)).get("reason").asText()).isEqualTo("timeout");
        Event away = await().atMost(WAIT).until(() -> of(agentEvents, "agent.presence.changed", a).stream()
                .filter(e -> e.data().contains("missed-offer")).findFirst().orElse(null), e -> e != null);
        assertThat(data(away).get("status").asText()).isEqualTo("AWAY");
        assertThat(data(away).get("previousStatus").asText()).isEqualTo("AVAILABLE");
        admin().get("/api/v1/agents/" + a).then().body("presence", org.hamcrest.Matchers.equalTo("AWAY"));
    }

    @Test
    void offersThatTimeOutUndeliveredDoNotSetTheAgentAway() throws Exception {
        setUp(5);
        String a = "ua-" + u;
        admin().body("{\"displayName\":\"U\",\"maxConcurrentChats\":3,\"skills\":{\"" + skill + "\":5}}")
                .put("/api/v1/agents/" + a).then().statusCode(200);
        admin().body("{\"status\":\"AVAILABLE\"}").put("/api/v1/agents/" + a + "/presence").then().statusCode(200);
        List<String> chats = List.of("u1-" + u, "u2-" + u, "u3-" + u);
        for (String c : chats) {
            requestChat(c, UUID.randomUUID().toString());
        }
        // session never wrote the offers to a socket (the system was busy, or the agent's socket was elsewhere): three
        // timeouts, as many as set an agent AWAY when delivered, count nothing
        for (String c : chats) {
            JsonNode offered = data(awaitOne(chatEvents, "chat.offered", c, 0));
            JsonNode timeout = data(awaitOne(chatEvents, "chat.offer.declined", c, 0));
            assertThat(timeout.get("reason").asText()).isEqualTo("timeout");
            assertThat(timeout.get("offerId").asText()).isEqualTo(offered.get("offerId").asText());
            assertThat(timeout.get("delivered").asBoolean()).isFalse();
        }
        // the slots are freed (agent_unhold.lua ran for every timeout, where an AWAY would have been decided)
        await().atMost(WAIT).untilAsserted(() -> admin().get("/api/v1/agents/" + a).then().body("activeChats", org.hamcrest.Matchers.equalTo(0)));
        admin().get("/api/v1/agents/" + a).then().body("presence", org.hamcrest.Matchers.equalTo("AVAILABLE"));
        assertThat(of(agentEvents, "agent.presence.changed", a).stream()
                .filter(e -> e.data().contains("missed-offer")).toList()).isEmpty();

        // a delivery that comes after its offer's expiry was handled changes nothing (the timeout counted as undelivered)
        String late = chats.getFirst();
        double ignored = meters.counter("chatroute_routing_offers_delivered_total", "outcome", "ignored").count();
        deliver(late);
        await().atMost(WAIT).until(() -> meters.counter("chatroute_routing_offers_delivered_total", "outcome", "ignored").count() > ignored);
        Map<String, String> chat = store.chat(late);
        assertThat(chat).doesNotContainKey("deliveredOffer");
        admin().get("/api/v1/agents/" + a).then().body("presence", org.hamcrest.Matchers.equalTo("AVAILABLE"));
    }

    String form(String chatId) {
        return "{\"formId\":\"f-" + u + "\",\"form\":{\"topic\":\"t-" + u + "\"}"
                + (chatId == null ? "" : ",\"chatId\":\"" + chatId + "\"") + "}";
    }

    int evaluate(String chatId) {
        return admin().body(form(chatId)).post("/api/v1/routing/evaluate").then().statusCode(200).extract().jsonPath().getInt("position");
    }

    static String accepted(String chatId, String agentId, String offerId) {
        String s = """
                {"chatId":"%s","agentId":"%s","offerId":"%s","acceptedAt":"%s"}""".formatted(chatId, agentId, offerId, Instant.now());
        EventSchemas.assertValid("session-service", "chat.offer.accepted", s);
        return s;
    }
}
