package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

/** What the edge lets through: masked card numbers, no control characters, strict types, rate limits, browsers' origins. */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class EdgeSafetyTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
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

    private static ExtractableResponse<Response> createChat(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/api/v1/chats").then().extract();
    }

    private static List<JsonNode> events(String type, String chatId) {
        return KafkaTestClient.once(chatEvents, type, e -> chatId.equals(e.key())).stream().map(e -> {
            try {
                return MAPPER.readTree(e.data());
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        }).toList();
    }

    @Test
    void cardNumbersAreMaskedBeforeAnythingIsStoredOrPublished() throws Exception {
        ExtractableResponse<Response> chat = createChat("""
                {"form":{},"visitor":{"name":"Anna"},"message":"card 4111 1111 1111 1111 was charged twice"}""");
        assertThat(chat.statusCode()).isEqualTo(201);
        String chatId = chat.path("chatId");
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + chat.path("visitorToken"))) {
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"c1\",\"text\":\"again: 5500-0055-5555-5559, order 4111111111111112\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("ack").size() == 1);
            visitor.send("{\"type\":\"resume\",\"afterSeq\":0}");
            await().atMost(WAIT).until(() -> visitor.ofType("message").size() == 2);
            assertThat(visitor.ofType("message")).extracting(m -> m.path("text").asText()).containsExactly(
                    "card **** **** **** 1111 was charged twice", "again: ****-****-****-5559, order 4111111111111112");
        }
        await().atMost(WAIT).until(() -> events("chat.message.posted", chatId).size() == 2 && !events("chat.requested", chatId).isEmpty());
        assertThat(events("chat.message.posted", chatId)).extracting(d -> d.path("text").asText())
                .containsExactly("card **** **** **** 1111 was charged twice", "again: ****-****-****-5559, order 4111111111111112");
        assertThat(events("chat.requested", chatId).get(0).path("message").asText()).isEqualTo("card **** **** **** 1111 was charged twice");
    }

    @Test
    void controlCharactersAreStrippedOrRefusedAtTheEdge() throws Exception {
        ExtractableResponse<Response> chat = createChat("""
                {"form":{"topic":"bil\\u0000ling"},"visitor":{"name":"An\\u0000na\\u202E","customerId":"c\\u0007-1"},"message":"hi\\u0000 there"}""");
        assertThat(chat.statusCode()).isEqualTo(201);
        String chatId = chat.path("chatId");
        await().atMost(WAIT).until(() -> !events("chat.requested", chatId).isEmpty());
        JsonNode requested = events("chat.requested", chatId).get(0);
        assertThat(requested.path("visitor").path("name").asText()).isEqualTo("Anna");
        assertThat(requested.path("visitor").path("customerId").asText()).isEqualTo("c-1");
        assertThat(requested.path("form").path("topic").asText()).isEqualTo("billing");
        assertThat(requested.path("message").asText()).isEqualTo("hi there");
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + chat.path("visitorToken"))) {
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"id\\u0000x\",\"text\":\"refused id\"}");
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"nul-only\",\"text\":\"\\u0000\\u0001\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("error").size() == 2);
            assertThat(visitor.ofType("error")).extracting(e -> e.path("errors").get(0).path("field").asText())
                    .containsExactly("clientMsgId", "text");
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"ok\",\"text\":\"line1\\r\\nline2\\u001b[31m\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("ack").size() == 1);
        }
        await().atMost(WAIT).until(() -> events("chat.message.posted", chatId).size() == 2);
        assertThat(events("chat.message.posted", chatId).get(1).path("text").asText()).isEqualTo("line1\nline2[31m");
    }

    @Test
    void typesAreStrictAndBinaryFramesAreRefused() throws Exception {
        ExtractableResponse<Response> chat = createChat("{\"form\":{}}");
        String chatId = chat.path("chatId");
        String token = chat.path("visitorToken");
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token)) {
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"n1\",\"text\":123}");
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"n2\",\"text\":{\"a\":1}}");
            visitor.send("{\"type\":\"message\",\"clientMsgId\":7,\"text\":\"x\"}");
            visitor.sendBinary(new byte[] {1, 2, 3});
            await().atMost(WAIT).until(() -> visitor.ofType("error").size() == 4);
            assertThat(visitor.ofType("error")).extracting(e -> e.path("code").asText())
                    .containsExactly("validation", "validation", "validation", "bad-frame");
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"fine\",\"text\":\"still usable\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("ack").size() == 1);
            assertThat(visitor.ofType("ack").get(0).path("seq").asInt()).isEqualTo(1);
        }
        given().contentType(ContentType.JSON).auth().oauth2(token).body("{\"clientMsgId\":\"r1\",\"text\":42}")
                .post("/api/v1/chats/" + chatId + "/messages").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"form\":{},\"visitor\":{\"name\":17}}").post("/api/v1/chats").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"form\":{},\"message\":true}").post("/api/v1/chats").then().statusCode(400);
    }

    @Test
    void aFrameOverTheTransportLimitClosesWith1009() throws Exception {
        ExtractableResponse<Response> chat = createChat("{\"form\":{}}");
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + chat.path("chatId") + "?token=" + chat.path("visitorToken"))) {
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"huge\",\"text\":\"" + "z".repeat(70_000) + "\"}");
            await().atMost(WAIT).until(() -> visitor.closeCode() != -1);
            assertThat(visitor.closeCode()).isEqualTo(1009);
        }
    }

    @Test
    void browsersOnlyFromOurPagesAndTheWidgetSites() throws Exception {
        ExtractableResponse<Response> chat = createChat("{\"form\":{}}");
        assertThat(chat.header("Cache-Control")).isEqualTo("no-store");
        assertThat(chat.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(chat.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(chat.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
        String path = "/ws/visitor/" + chat.path("chatId") + "?token=" + chat.path("visitorToken");

        try (WsClient allowed = WsClient.connect(path, "http://localhost:8080")) {
            allowed.send("{\"type\":\"message\",\"clientMsgId\":\"o1\",\"text\":\"from the widget site\"}");
            await().atMost(WAIT).until(() -> allowed.ofType("ack").size() == 1);
        }
        assertThatThrownBy(() -> WsClient.connect(path, "https://evil.example")).isInstanceOf(ExecutionException.class);

        // CORS: the widget's site may call the API, another site gets no CORS grant
        given().header("Origin", "http://localhost:8080").header("Access-Control-Request-Method", "POST")
                .options("/api/v1/chats").then().header("Access-Control-Allow-Origin", "http://localhost:8080");
        String other = given().header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST")
                .options("/api/v1/chats").then().extract().header("Access-Control-Allow-Origin");
        assertThat(other).isNull();
    }
}
