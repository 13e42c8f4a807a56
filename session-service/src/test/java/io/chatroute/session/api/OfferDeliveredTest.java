package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/**
 * chat.offer.delivered: published (valid against session's schema) when an offer frame was written to the agent's
 * socket; an offer that had expired before it could be written is neither sent nor announced, and is counted.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class OfferDeliveredTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    MeterRegistry meters;

    private static KafkaTestClient kafka;
    private static List<KafkaTestClient.Event> chatEvents;
    private static List<KafkaTestClient.Event> agentEvents;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
        agentEvents = kafka.collect("agent-events");
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static String createChat() {
        return given().contentType(ContentType.JSON).body("{\"formId\":\"default\",\"form\":{\"topic\":\"billing\"},"
                + "\"message\":\"hello\"}").post("/api/v1/chats").then().statusCode(201).extract().path("chatId");
    }

    private static JsonNode json(String s) {
        try {
            return MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<KafkaTestClient.Event> delivered(String chatId) {
        return chatEvents.stream().filter(e -> "chat.offer.delivered".equals(e.type()) && chatId.equals(e.key())).toList();
    }

    private static void offer(String chatId, String agentId, String offerId, Instant offeredAt, Instant expiresAt) {
        String offered = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\",\"offerId\":\""
                + offerId + "\",\"offeredAt\":\"" + offeredAt + "\",\"expiresAt\":\"" + expiresAt + "\","
                + "\"visitor\":{\"name\":\"Anna\"},\"form\":{\"topic\":\"billing\"},\"message\":\"hello\"}";
        EventSchemas.assertValid("routing-service", "chat.offered", offered);
        kafka.send("chat-events", chatId, "chat.offered", "/routing-service", offered);
    }

    private static WsClient agentSocket(String agentId) throws Exception {
        WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId));
        // registered before agent.connected is published (AgentSocket.open)
        await().atMost(WAIT).until(() -> agentEvents.stream()
                .anyMatch(e -> "agent.connected".equals(e.type()) && agentId.equals(e.key())));
        return agent;
    }

    private static JsonNode checked(KafkaTestClient.Event e, String chatId) {
        EventSchemas.assertValid("session-service", "chat.offer.delivered", e.data());
        assertThat(e.source()).isEqualTo("/session-service");
        assertThat(e.subject()).isEqualTo(chatId);
        assertThat(e.id()).isNotBlank();
        assertThat(e.headers()).containsKeys("ce_specversion", "ce_time");
        return json(e.data());
    }

    @Test
    void anOfferWrittenToTheAgentsSocketIsAnnouncedAsDelivered() throws Exception {
        String agentId = "od-" + System.nanoTime();
        String chatId = createChat();
        try (WsClient agent = agentSocket(agentId)) {
            String offerId = "offer-" + System.nanoTime();
            Instant now = Instant.now();
            offer(chatId, agentId, offerId, now, now.plusSeconds(120));
            await().atMost(WAIT).until(() -> !agent.ofType("offer").isEmpty());
            assertThat(agent.ofType("offer").get(0).path("offerId").asText()).isEqualTo(offerId);

            await().atMost(WAIT).until(() -> !delivered(chatId).isEmpty());
            JsonNode d = checked(delivered(chatId).get(0), chatId);
            assertThat(d.path("chatId").asText()).isEqualTo(chatId);
            assertThat(d.path("agentId").asText()).isEqualTo(agentId);
            assertThat(d.path("offerId").asText()).isEqualTo(offerId);
            assertThat(Instant.parse(d.path("deliveredAt").asText())).isAfterOrEqualTo(now.minusSeconds(1));
            // one socket, one announcement: a later offer of the chat (same partition) is the marker that a second
            // announcement of the first would have come before
            String marker = "marker-" + System.nanoTime();
            offer(chatId, agentId, marker, Instant.now(), Instant.now().plusSeconds(120));
            await().atMost(WAIT).until(() -> delivered(chatId).stream()
                    .anyMatch(e -> marker.equals(json(e.data()).path("offerId").asText())));
            assertThat(delivered(chatId)).extracting(e -> json(e.data()).path("offerId").asText())
                    .containsExactly(offerId, marker);
        }
    }

    @Test
    void anOfferExpiredBeforeItCouldBeWrittenIsNeitherSentNorAnnouncedPastTheGrace() throws Exception {
        String agentId = "ox-" + System.nanoTime();
        String chatId = createChat();
        double before = meters.counter("chatroute_delivery_offers_expired_before_delivery_total").count();
        try (WsClient agent = agentSocket(agentId)) {
            String late = "late-" + System.nanoTime();
            Instant now = Instant.now();
            // expired 5 min ago by this clock: past the grace (chatroute.delivery.offer-expiry-grace, 30 s in the tests)
            offer(chatId, agentId, late, now.minusSeconds(320), now.minusSeconds(300));
            // expired a second ago by this clock, within the grace (this clock may run ahead of routing's): written
            String skewed = "skewed-" + System.nanoTime();
            offer(chatId, agentId, skewed, now.minusSeconds(21), now.minusSeconds(1));
            // the marker: a later offer of the same chat (same partition, after them), delivered
            String marker = "marker-" + System.nanoTime();
            offer(chatId, agentId, marker, now, now.plusSeconds(120));
            await().atMost(WAIT).until(() -> delivered(chatId).stream()
                    .anyMatch(e -> marker.equals(json(e.data()).path("offerId").asText())));
            await().atMost(WAIT).until(() -> agent.ofType("offer").stream().anyMatch(f -> marker.equals(f.path("offerId").asText())));

            assertThat(agent.ofType("offer")).extracting(f -> f.path("offerId").asText()).containsExactly(skewed, marker);
            assertThat(delivered(chatId)).extracting(e -> checked(e, chatId).path("offerId").asText()).containsExactly(skewed, marker);
            assertThat(meters.counter("chatroute_delivery_offers_expired_before_delivery_total").count())
                    .isGreaterThanOrEqualTo(before + 1);
        }
    }

    @Test
    void anOpenOfferSentWhenTheAgentConnectsIsAnnouncedToo() throws Exception {
        String agentId = "oc-" + System.nanoTime();
        String chatId = createChat();
        String offerId = "conn-" + System.nanoTime();
        Instant now = Instant.now();
        offer(chatId, agentId, offerId, now, now.plusSeconds(120)); // no socket yet: nothing written, nothing announced
        await().atMost(WAIT).untilAsserted(() -> given().auth().oauth2(TestTokens.agent(agentId)).get("/api/v1/chats/" + chatId)
                .then().body("status", equalTo("OFFERED")));
        assertThat(delivered(chatId)).isEmpty();
        try (WsClient agent = agentSocket(agentId)) {
            await().atMost(WAIT).until(() -> agent.ofType("offer").stream().anyMatch(f -> offerId.equals(f.path("offerId").asText())));
            await().atMost(WAIT).until(() -> !delivered(chatId).isEmpty());
            JsonNode d = checked(delivered(chatId).get(0), chatId);
            assertThat(d.path("offerId").asText()).isEqualTo(offerId);
            assertThat(d.path("agentId").asText()).isEqualTo(agentId);
        }
    }
}
