package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.session.persistence.Keys;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * A waiting chat whose visitor left (every visitor socket closed, none back within the timeout) is closed by the system
 * with reason visitor-left, against real Redis and Kafka; a visitor who stays or comes back, a chat no visitor socket
 * was ever opened for (a platform's), and a chat an agent holds keep theirs. "Nothing happened" is asserted after the
 * checks that would have closed the chat ran (their counter), never after a sleep.
 */
@QuarkusTest
@TestProfile(VisitorGoneTest.ShortTimeout.class)
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class VisitorGoneTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Checks to wait for before saying a chat was kept: each a second apart, so well past the 3 s timeout. */
    private static final int CHECKS_PAST_TIMEOUT = 6;

    public static class ShortTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("chatroute.visitor-gone.timeout", "3s", "chatroute.visitor-gone.check-interval", "1s");
        }
    }

    @Inject
    MeterRegistry meters;

    @Inject
    RedisDataSource redis;

    private static KafkaTestClient kafka;
    private static List<KafkaTestClient.Event> chatEvents;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static ExtractableResponse<Response> startChat(String token) {
        return startChat(token, "default");
    }

    /** A chat of the form; RoutingStub answers formId "nobody" with no agent able (the chat starts OFFLINE). */
    private static ExtractableResponse<Response> startChat(String token, String formId) {
        var request = given().contentType(ContentType.JSON);
        if (token != null) {
            request = request.auth().oauth2(token);
        }
        return request.body("{\"formId\":\"" + formId + "\",\"form\":{\"topic\":\"billing\"},\"message\":\"where is my refund?\"}")
                .post("/api/v1/chats").then().statusCode(201).extract();
    }

    private static WsClient visitor(ExtractableResponse<Response> chat) throws Exception {
        WsClient socket = WsClient.connect("/ws/visitor/" + chat.path("chatId") + "?token=" + chat.path("visitorToken"));
        // the open's account (queued, the stub's place) is sent once the socket is registered and noted
        await().atMost(WAIT).until(() -> !socket.frames().isEmpty());
        return socket;
    }

    private String status(String chatId) {
        return redis.hash(String.class).hget(Keys.chat(chatId), "status");
    }

    private List<KafkaTestClient.Event> closedEvents(String chatId) {
        return KafkaTestClient.once(chatEvents, "chat.closed", e -> chatId.equals(e.key()));
    }

    private boolean noted(String chatId) {
        return redis.sortedSet(String.class).zscore(Keys.visitorsSeen(chatId), chatId).isPresent();
    }

    private double checks() {
        return meters.counter("chatroute.visitor.gone.checks").count();
    }

    /** Waits until the check has run {@link #CHECKS_PAST_TIMEOUT} more times: any chat it would close is closed by then. */
    private void awaitChecksPastTheTimeout() {
        double from = checks();
        await().atMost(WAIT).until(() -> checks() >= from + CHECKS_PAST_TIMEOUT);
    }

    private static void project(String chatId, String type, String data) {
        kafka.send("chat-events", chatId, type, "/routing-service", data);
    }

    @Test
    void aWaitingChatWhoseVisitorLeftIsClosedWithReasonVisitorLeft() throws Exception {
        var chat = startChat(null);
        String chatId = chat.path("chatId");
        double closedBefore = meters.counter("chatroute.visitor.gone.closed").count();
        visitor(chat).close();

        await().atMost(WAIT).until(() -> !closedEvents(chatId).isEmpty());
        KafkaTestClient.Event closed = closedEvents(chatId).get(0);
        EventSchemas.assertValid("session-service", "chat.closed", closed.data());
        JsonNode data = MAPPER.readTree(closed.data());
        assertThat(data.path("by").asText()).isEqualTo("system");
        assertThat(data.path("reason").asText()).isEqualTo("visitor-left");
        assertThat(data.path("agentId").isNull()).isTrue();
        await().atMost(WAIT).until(() -> meters.counter("chatroute.visitor.gone.closed").count() > closedBefore);
        assertThat(noted(chatId)).isFalse(); // a closed chat is not noted any more

        given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/chats/" + chatId).then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("CLOSED"))
                .body("closeReason", org.hamcrest.Matchers.equalTo("visitor-left"));
        // the visitor who comes back later is told why, at the socket's open
        try (WsClient back = visitor(chat)) {
            JsonNode frame = back.ofType("closed").get(0);
            assertThat(frame.path("by").asText()).isEqualTo("system");
            assertThat(frame.path("reason").asText()).isEqualTo("visitor-left");
        }
    }

    @Test
    void aVisitorWhoStaysOrComesBackAndAChatWithNoVisitorSocketKeepTheirChats() throws Exception {
        var stays = startChat(null);
        var comesBack = startChat(null);
        var platform = startChat(TestTokens.mint("visitor-gone-platform", "platform")); // no socket ever: an integration's chat
        try (WsClient staying = visitor(stays)) {
            visitor(comesBack).close();
            try (WsClient back = visitor(comesBack)) {
                awaitChecksPastTheTimeout();
                assertThat(staying.isOpen()).isTrue();
                assertThat(back.isOpen()).isTrue();
            }
        }
        for (var chat : List.of(stays, comesBack, platform)) {
            String chatId = chat.path("chatId");
            assertThat(status(chatId)).as("chat %s", chatId).isEqualTo("QUEUED");
            assertThat(closedEvents(chatId)).isEmpty();
        }
        assertThat(noted(platform.path("chatId"))).isFalse();
    }

    @Test
    void anOfferedChatIsClosedButOneAnAgentHoldsIsKept() throws Exception {
        var offered = startChat(null);
        var active = startChat(null);
        String offeredId = offered.path("chatId");
        String activeId = active.path("chatId");
        String agentId = "agent-" + System.nanoTime();
        WsClient offeredVisitor = visitor(offered);
        WsClient activeVisitor = visitor(active);
        String offerA = "offer-a-" + System.nanoTime();
        String offerB = "offer-b-" + System.nanoTime();
        for (String[] o : List.of(new String[] {offeredId, offerA}, new String[] {activeId, offerB})) {
            project(o[0], "chat.offered", "{\"chatId\":\"" + o[0] + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\",\"offerId\":\""
                    + o[1] + "\",\"offeredAt\":\"2025-01-01T10:00:01Z\",\"expiresAt\":\"" + TestOffers.expiresAt() + "\","
                    + "\"visitor\":{\"name\":\"Anna\"},\"form\":{\"topic\":\"billing\"},\"message\":\"hi\"}");
        }
        project(activeId, "chat.assigned", "{\"chatId\":\"" + activeId + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\",\"offerId\":\""
                + offerB + "\",\"assignedAt\":\"2025-01-01T10:00:05Z\",\"agent\":{\"id\":\"" + agentId
                + "\",\"displayName\":\"Boris\",\"title\":null,\"avatarUrl\":null}}");
        await().atMost(WAIT).until(() -> "OFFERED".equals(status(offeredId)) && "ACTIVE".equals(status(activeId)));
        offeredVisitor.close();
        activeVisitor.close();
        long leftAt = System.currentTimeMillis();

        await().atMost(WAIT).until(() -> !closedEvents(offeredId).isEmpty());
        JsonNode data = MAPPER.readTree(closedEvents(offeredId).get(0).data());
        assertThat(data.path("reason").asText()).isEqualTo("visitor-left");
        assertThat(data.path("agentId").asText()).isEqualTo(agentId); // routing frees the offer's slot
        try (WsClient back = visitor(offered)) {
            JsonNode frame = back.ofType("closed").get(0);
            assertThat(frame.path("reason").asText()).isEqualTo("visitor-left");
            assertThat(frame.path("surveyRequested").asBoolean()).as("a survey for a chat no agent held").isFalse();
        }
        awaitChecksPastTheTimeout();
        assertThat(status(activeId)).isEqualTo("ACTIVE");
        assertThat(closedEvents(activeId)).isEmpty();
        // kept, and looked at again a timeout later: the note moved on (past the close plus the timeout) instead of
        // being read at every check
        assertThat(redis.sortedSet(String.class).zscore(Keys.visitorsSeen(activeId), activeId).orElse(0))
                .isGreaterThanOrEqualTo(leftAt + 2_000);
    }

    /**
     * A chat started when no agent was able to take it: the visitor was told the message is saved, so it is kept when
     * routing queues it and the visitor has gone.
     */
    @Test
    void aChatStartedWithNobodyAbleIsKeptAfterItsVisitorLeft() throws Exception {
        var chat = startChat(null, "nobody");
        String chatId = chat.path("chatId");
        assertThat((String) chat.path("status")).isEqualTo("OFFLINE");
        WsClient socket = visitor(chat);
        String queued = "{\"chatId\":\"" + chatId + "\",\"queueId\":\"general\",\"ruleId\":\"default\",\"requiredSkills\":{},"
                + "\"priority\":0,\"position\":1,\"estimatedWaitSeconds\":30,\"queuedAt\":\"2025-01-01T10:00:00Z\"}";
        EventSchemas.assertValid("routing-service", "chat.queued", queued);
        project(chatId, "chat.queued", queued); // routing places it in line
        await().atMost(WAIT).until(() -> "QUEUED".equals(status(chatId)));
        socket.close();

        awaitChecksPastTheTimeout();
        assertThat(status(chatId)).isEqualTo("QUEUED");
        assertThat(closedEvents(chatId)).isEmpty();
    }

    /** A visitor who closes a chat while it is offered to an agent is not asked for a survey: no agent held it. */
    @Test
    void aVisitorWhoClosesAnOfferedChatIsNotAskedForASurvey() throws Exception {
        var chat = startChat(null);
        String chatId = chat.path("chatId");
        try (WsClient socket = visitor(chat)) {
            project(chatId, "chat.offered", "{\"chatId\":\"" + chatId + "\",\"agentId\":\"agent-s-" + System.nanoTime()
                    + "\",\"queueId\":\"general\",\"offerId\":\"offer-s-" + System.nanoTime() + "\",\"offeredAt\":\"2025-01-01T10:00:01Z\","
                    + "\"expiresAt\":\"" + TestOffers.expiresAt() + "\",\"visitor\":{\"name\":\"Anna\"},\"form\":{\"topic\":\"billing\"},"
                    + "\"message\":\"hi\"}");
            await().atMost(WAIT).until(() -> "OFFERED".equals(status(chatId)));
            socket.send("{\"type\":\"close\"}");
            await().atMost(WAIT).until(() -> !socket.ofType("closed").isEmpty());
            JsonNode closed = socket.ofType("closed").get(0);
            assertThat(closed.path("by").asText()).isEqualTo("visitor");
            assertThat(closed.path("surveyRequested").asBoolean()).as("a survey for a chat no agent held").isFalse();
        }
    }

    /** A message left for a closed queue is answered later, whoever is connected then: also once the queue opens. */
    @Test
    void aMessageLeftForAClosedQueueIsKeptAfterItsVisitorLeftAndTheQueueOpened() throws Exception {
        var chat = startChat(null);
        String chatId = chat.path("chatId");
        WsClient socket = visitor(chat);
        String offline = "{\"chatId\":\"" + chatId + "\",\"queueId\":\"general\",\"ruleId\":\"default\",\"requiredSkills\":{},"
                + "\"priority\":0,\"status\":\"OFFLINE\",\"reason\":\"closed\",\"nextOpenAt\":null,\"queuedAt\":\"2025-01-01T10:00:00Z\"}";
        EventSchemas.assertValid("routing-service", "chat.offline", offline);
        project(chatId, "chat.offline", offline);
        await().atMost(WAIT).until(() -> "OFFLINE".equals(status(chatId)));
        socket.close();
        String queued = "{\"chatId\":\"" + chatId + "\",\"queueId\":\"general\",\"ruleId\":\"default\",\"requiredSkills\":{},"
                + "\"priority\":0,\"position\":1,\"estimatedWaitSeconds\":30,\"queuedAt\":\"2025-01-01T10:00:00Z\"}";
        EventSchemas.assertValid("routing-service", "chat.queued", queued);
        project(chatId, "chat.queued", queued); // the queue opened: the chat waits in line
        await().atMost(WAIT).until(() -> "QUEUED".equals(status(chatId)));

        awaitChecksPastTheTimeout();
        assertThat(status(chatId)).isEqualTo("QUEUED");
        assertThat(closedEvents(chatId)).isEmpty();
        assertThat(noted(chatId)).isFalse();
    }
}
