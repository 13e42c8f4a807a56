package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.session.persistence.Keys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * What the agent desktop is told without asking: its current presence and load when a socket opens (from
 * routing-service's GET /api/v1/agents/{id}), and the suggestions for a chat's first message even when knowledge's
 * kb.suggested reached session-service before the offer (kept in Redis, sent with the offer and the assignment).
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class AgentContextTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static KafkaTestClient kafka;

    @Inject
    RedisDataSource redis;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void aNewSocketLearnsThePresenceAndLoadRoutingHas() throws Exception {
        String agentId = "routing-known-" + System.nanoTime();
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            await().atMost(WAIT).until(() -> !agent.ofType("presence").isEmpty() && !agent.ofType("capacity").isEmpty());
            JsonNode presence = agent.ofType("presence").get(0);
            assertThat(presence.path("status").asText()).isEqualTo("AVAILABLE");
            assertThat(presence.path("reason").asText()).isEqualTo("current");
            assertThat(agent.ofType("capacity").get(0).path("active").asInt()).isEqualTo(1);
            assertThat(agent.ofType("capacity").get(0).path("max").asInt()).isEqualTo(3);
        }
        // asked with session-service's own platform token
        assertThat(RoutingStub.AGENT_CALLS).contains(agentId + " Bearer " + RoutingStub.TOKEN);
    }

    @Test
    void anAgentRoutingDoesNotKnowIsToldNothing() throws Exception {
        String agentId = "unknown-to-routing-" + System.nanoTime();
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            await().atMost(WAIT).until(() -> RoutingStub.AGENT_CALLS.stream().anyMatch(c -> c.startsWith(agentId + " ")));
            // a marker after routing's 404: a live capacity event; nothing from the 404 came before it
            sendCapacity(agentId, 0, 4);
            await().atMost(WAIT).until(() -> !agent.ofType("capacity").isEmpty());
            assertThat(agent.ofType("presence")).isEmpty();
            assertThat(agent.ofType("capacity")).hasSize(1);
            assertThat(agent.ofType("capacity").get(0).path("max").asInt()).isEqualTo(4);
        }
    }

    @Test
    void aLivePresenceChangeIsNotOverwrittenByAnOlderAnswer() throws Exception {
        String agentId = "routing-slow-" + System.nanoTime();
        RoutingStub.SLOW_AGENT = new java.util.concurrent.CountDownLatch(1);
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            await().atMost(WAIT).until(() -> RoutingStub.AGENT_CALLS.stream().anyMatch(c -> c.startsWith(agentId + " ")));
            // routing changes the agent while its answer (AVAILABLE, read before the change) is still under way
            String changed = """
                    {"agentId":"%s","status":"AWAY","previousStatus":"AVAILABLE","changedAt":"%s","reason":"missed-offer"}"""
                    .formatted(agentId, Instant.now());
            EventSchemas.assertValid("routing-service", "agent.presence.changed", changed);
            kafka.send("agent-events", agentId, "agent.presence.changed", "/routing-service", changed);
            await().atMost(WAIT).until(() -> !agent.ofType("presence").isEmpty());
            RoutingStub.SLOW_AGENT.countDown();
            // the answer's capacity frame is sent after its presence frame was left out (or sent): the marker
            await().atMost(WAIT).until(() -> !agent.ofType("capacity").isEmpty());
            List<JsonNode> frames = agent.ofType("presence");
            assertThat(frames.getLast().path("status").asText()).as("the newest presence is the last one told: %s", frames)
                    .isEqualTo("AWAY");
        }
    }

    @Test
    void suggestionsForTheFirstMessageThatCameBeforeTheOfferGoWithIt() throws Exception {
        String agentId = "suggested-agent-" + System.nanoTime();
        ExtractableResponse<Response> chat = given().contentType(ContentType.JSON)
                .body("{\"formId\":\"default\",\"visitor\":{\"name\":\"Vera\"},\"form\":{\"topic\":\"billing\"},"
                        + "\"message\":\"I was charged twice\"}")
                .post("/api/v1/chats").then().statusCode(201).extract();
        String chatId = chat.path("chatId");

        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            // knowledge answered the first message before routing offered the chat: nobody here holds it yet, and
            // the suggestions are kept (before this change they were lost)
            kafka.send("kb-events", chatId, "kb.suggested", "/knowledge-service", suggested(chatId, 1, "a-first"));
            await().atMost(WAIT).until(() -> redis.hash(String.class).hget(Keys.suggestions(chatId), "forSeq") != null);
            assertThat(agent.ofType("suggestions")).isEmpty();
            long ttl = redis.key().pttl(Keys.suggestions(chatId));
            assertThat(ttl).as("kept briefly (chatroute.suggestions.keep, 1 h)").isBetween(1L, 3_600_000L);

            String offerId = "offer-" + System.nanoTime();
            String offered = """
                    {"chatId":"%s","agentId":"%s","queueId":"general","offerId":"%s","offeredAt":"2030-01-01T10:00:03Z",
                     "expiresAt":"%s","visitor":{"name":"Vera"},"form":{"topic":"billing"},
                     "message":"I was charged twice"}""".formatted(chatId, agentId, offerId, TestOffers.expiresAt());
            EventSchemas.assertValid("routing-service", "chat.offered", offered);
            kafka.send("chat-events", chatId, "chat.offered", "/routing-service", offered);
            await().atMost(WAIT).until(() -> !agent.ofType("offer").isEmpty() && !agent.ofType("suggestions").isEmpty());
            JsonNode s = agent.ofType("suggestions").get(0);
            assertThat(s.path("chatId").asText()).isEqualTo(chatId);
            assertThat(s.path("forSeq").asInt()).isEqualTo(1);
            assertThat(s.path("items").get(0).path("articleId").asText()).isEqualTo("a-first");
            assertThat(agent.frames().indexOf(agent.ofType("offer").get(0))).as("the offer first")
                    .isLessThan(agent.frames().indexOf(s));

            // the assignment does not repeat them on the connection that has them (a reloaded desk gets them again,
            // below); the suggestions of the next message are the marker that the assignment was handled
            agent.send("{\"type\":\"offer.accept\",\"chatId\":\"" + chatId + "\"}");
            String assigned = """
                    {"chatId":"%s","agentId":"%s","queueId":"general","offerId":"%s","assignedAt":"2030-01-01T10:00:05Z",
                     "agent":{"id":"%s","displayName":"Agent","title":null,"avatarUrl":null}}""".formatted(chatId, agentId, offerId, agentId);
            EventSchemas.assertValid("routing-service", "chat.assigned", assigned);
            kafka.send("chat-events", chatId, "chat.assigned", "/routing-service", assigned);
            await().atMost(WAIT).until(() -> !agent.ofType("chat.assigned").isEmpty());
            kafka.send("kb-events", chatId, "kb.suggested", "/knowledge-service", suggested(chatId, 2, "a-second"));
            await().atMost(WAIT).until(() -> agent.ofType("suggestions").stream().anyMatch(f -> f.path("forSeq").asInt() == 2));
            assertThat(agent.ofType("suggestions")).extracting(f -> f.path("forSeq").asInt())
                    .as("each message's suggestions once on this connection").containsExactly(1, 2);
        }
        // a desk that connects again is told its chat with the suggestions kept for it
        try (WsClient again = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            await().atMost(WAIT).until(() -> !again.ofType("chat.assigned").isEmpty() && !again.ofType("suggestions").isEmpty());
            assertThat(again.ofType("suggestions").get(0).path("forSeq").asInt()).isEqualTo(2);
        }
    }

    private static String suggested(String chatId, int forSeq, String articleId) {
        String data = """
                {"chatId":"%s","forSeq":%d,"language":"en","items":[{"articleId":"%s","title":"Refund of a double charge",
                 "snippet":"The second charge is a hold","score":0.91,"language":"en"}],"suggestedAt":"2030-01-01T10:00:01Z"}"""
                .formatted(chatId, forSeq, articleId);
        EventSchemas.assertValid("knowledge-service", "kb.suggested", data);
        return data;
    }

    private static void sendCapacity(String agentId, int active, int max) {
        String data = """
                {"agentId":"%s","active":%d,"max":%d,"changedAt":"%s","reason":"cap-changed"}""".formatted(agentId, active, max, Instant.now());
        EventSchemas.assertValid("routing-service", "agent.capacity.changed", data);
        kafka.send("agent-events", agentId, "agent.capacity.changed", "/routing-service", data);
    }
}
