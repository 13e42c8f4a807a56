package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * The customer's earlier chats and notes in the agent's offer, from history-service (a stand-in here): looked up
 * when the chat starts, so the offer carries them; and an offer never waits for a slow history-service: it goes out
 * marked {@code pending}, and the answer follows as {@code offer.history}.
 */
@QuarkusTest
@TestProfile(CustomerContextTest.WithHistory.class)
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
@QuarkusTestResource(HistoryStub.class)
class CustomerContextTest {

    public static class WithHistory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("chatroute.history.token", "history-service-token");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static KafkaTestClient kafka;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void theCustomerIsLookedUpWhenTheChatStartsAndTheOfferCarriesTheAnswer() throws Exception {
        String customerId = "c-" + System.nanoTime();
        String agentId = "context-agent-" + System.nanoTime();
        String chatId = start(customerId);
        // asked at the start, before any offer (routing has not even queued the chat)
        await().atMost(WAIT).until(() -> HistoryStub.HISTORY_ANSWERED.containsKey(customerId));
        assertThat(requestsFor(customerId)).isEqualTo(1);

        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            offer(chatId, agentId, customerId);
            await().atMost(WAIT).until(() -> !agent.ofType("offer").isEmpty());
            JsonNode offer = agent.ofType("offer").get(0);
            assertThat(offer.path("historyStatus").asText()).isEqualTo("ok");
            assertThat(offer.path("history").get(0).path("chatId").asText()).isEqualTo("earlier-" + customerId);
            assertThat(offer.path("notes").get(0).path("text").asText()).isEqualTo("prefers email");
            // the start's answer served the offer: history-service was asked once
            assertThat(requestsFor(customerId)).isEqualTo(1);
            assertThat(agent.ofType("offer.history")).isEmpty();
        }
    }

    @Test
    void aSlowHistoryServiceNeverHoldsTheOfferBack() throws Exception {
        String customerId = "slow-" + System.nanoTime();
        String agentId = "slow-context-agent-" + System.nanoTime();
        String chatId = java.util.UUID.randomUUID().toString(); // started elsewhere: this instance looks up at the offer
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            offer(chatId, agentId, customerId);
            await().atMost(WAIT).until(() -> !agent.ofType("offer").isEmpty());
            JsonNode offer = agent.ofType("offer").get(0);
            // history-service takes 2 s: the offer went out without its answer, marked as such
            assertThat(offer.path("historyStatus").asText()).isEqualTo("pending");
            assertThat(offer.path("history").isArray()).isTrue();
            assertThat(offer.path("history")).isEmpty();

            await().atMost(WAIT).until(() -> !agent.ofType("offer.history").isEmpty());
            JsonNode late = agent.ofType("offer.history").get(0);
            assertThat(late.path("chatId").asText()).isEqualTo(chatId);
            assertThat(late.path("historyStatus").asText()).isEqualTo("ok");
            assertThat(late.path("history").get(0).path("chatId").asText()).isEqualTo("earlier-" + customerId);
            assertThat(late.path("notes").get(0).path("text").asText()).isEqualTo("prefers email");
            assertThat(requestsFor(customerId)).isEqualTo(1);
        }
    }

    private static String start(String customerId) {
        return given().contentType(ContentType.JSON)
                .body("{\"formId\":\"default\",\"visitor\":{\"name\":\"Vera\",\"customerId\":\"" + customerId + "\"},"
                        + "\"form\":{\"topic\":\"billing\"},\"message\":\"where is my refund\"}")
                .post("/api/v1/chats").then().statusCode(201).extract().path("chatId");
    }

    private static void offer(String chatId, String agentId, String customerId) {
        String offered = """
                {"chatId":"%s","agentId":"%s","queueId":"general","offerId":"offer-%d","offeredAt":"2030-01-01T10:00:03Z",
                 "expiresAt":"%s","visitor":{"name":"Vera","customerId":"%s"},"form":{"topic":"billing"},
                 "message":"where is my refund"}""".formatted(chatId, agentId, System.nanoTime(), TestOffers.expiresAt(), customerId);
        EventSchemas.assertValid("routing-service", "chat.offered", offered);
        kafka.send("chat-events", chatId, "chat.offered", "/routing-service", offered);
    }

    private static long requestsFor(String customerId) {
        return HistoryStub.REQUESTS.stream()
                .filter(r -> r.startsWith("/api/v1/customers/" + customerId + "/history?")
                        && r.endsWith("Bearer history-service-token"))
                .count();
    }
}
