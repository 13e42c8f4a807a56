package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Every endpoint and socket of session-service against every kind of caller: nobody, the chat's own visitor,
 * another chat's visitor, the agent holding the chat, another agent, a supervisor, an admin, a platform, and a
 * forged token. Each cell is the status the contract promises; state-changing cells act on a chat of their own.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class AuthorizationMatrixTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String HOLDER = "matrix-holder";

    private static KafkaTestClient kafka;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    enum Who { NOBODY, OWN_VISITOR, OTHER_VISITOR, HOLDING_AGENT, OTHER_AGENT, SUPERVISOR, ADMIN, PLATFORM, FORGED }

    private record Chat(String id, String token) {
    }

    private static Chat activeChat() {
        Response r = given().contentType("application/json").body("{\"form\":{},\"message\":\"hi\"}").post("/api/v1/chats");
        assertThat(r.statusCode()).isEqualTo(201);
        Chat chat = new Chat(r.path("chatId"), r.path("visitorToken"));
        String offerId = "o-" + chat.id();
        kafka.send("chat-events", chat.id(), "chat.offered", "/routing-service", "{\"chatId\":\"" + chat.id() + "\",\"agentId\":\""
                + HOLDER + "\",\"queueId\":\"general\",\"offerId\":\"" + offerId + "\",\"offeredAt\":\"2025-01-01T10:00:00Z\","
                + "\"expiresAt\":\"" + TestOffers.expiresAt() + "\"}");
        kafka.send("chat-events", chat.id(), "chat.assigned", "/routing-service", "{\"chatId\":\"" + chat.id() + "\",\"agentId\":\""
                + HOLDER + "\",\"queueId\":\"general\",\"offerId\":\"" + offerId + "\",\"assignedAt\":\"2025-01-01T10:00:01Z\","
                + "\"agent\":{\"id\":\"" + HOLDER + "\",\"displayName\":\"H\",\"title\":null,\"avatarUrl\":null}}");
        return chat;
    }

    private static String token(Who who, Chat chat, Chat other) {
        return switch (who) {
            case NOBODY -> null;
            case OWN_VISITOR -> chat.token();
            case OTHER_VISITOR -> other.token();
            case HOLDING_AGENT -> TestTokens.agent(HOLDER);
            case OTHER_AGENT -> TestTokens.agent("matrix-other");
            case SUPERVISOR -> TestTokens.supervisor();
            case ADMIN -> TestTokens.admin();
            case PLATFORM -> TestTokens.platform();
            case FORGED -> "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZ3JvdXBzIjpbImFkbWluIl19.";
        };
    }

    private static RequestSpecification as(String token) {
        RequestSpecification r = given().contentType("application/json");
        return token == null ? r : r.header("Authorization", "Bearer " + token);
    }

    /** The contract's promise per endpoint, in Who order. */
    private static final Map<String, int[]> EXPECTED = new LinkedHashMap<>();

    static {
        //                                         nobody own  other hold  oagent sup  admin plat forged
        EXPECTED.put("GET /chats/{id}",          new int[] {401, 200, 403, 200, 403, 200, 200, 200, 401});
        EXPECTED.put("POST /chats/{id}/messages", new int[] {401, 201, 403, 403, 403, 403, 403, 201, 401});
        EXPECTED.put("POST /chats/{id}/transfer", new int[] {401, 403, 403, 202, 403, 202, 202, 202, 401});
        EXPECTED.put("POST /chats/{id}/close",    new int[] {401, 200, 403, 200, 403, 200, 200, 200, 401});
        EXPECTED.put("POST /chats/{id}/survey",   new int[] {401, 201, 403, 403, 403, 403, 403, 201, 401});
        EXPECTED.put("POST /chats",              new int[] {201, 201, 201, 201, 201, 201, 201, 201, 401});
        EXPECTED.put("WS /ws/visitor/{id}",      new int[] {401, 101, 403, 403, 403, 403, 403, 403, 401});
        EXPECTED.put("WS /ws/agent",             new int[] {401, 403, 403, 101, 101, 403, 403, 403, 401});
        EXPECTED.put("WS /ws/dashboard",         new int[] {401, 403, 403, 403, 403, 101, 101, 403, 401});
    }

    /** A token that is missing or not valid gets a problem body, not the mechanism's bare 401. */
    @Test
    void aMissingOrInvalidTokenGetsAProblemBody() {
        String chat = java.util.UUID.randomUUID().toString();
        for (String token : new String[] {null, "not-a-jwt"}) {
            as(token).get("/api/v1/chats/" + chat).then().statusCode(401).contentType("application/problem+json")
                    .body("type", org.hamcrest.Matchers.equalTo("https://chatroute.dev/problems/unauthorized"));
        }
    }

    @Test
    void everyEndpointAnswersEveryCallerAsTheContractSays() throws Exception {
        Who[] callers = Who.values();
        // one ACTIVE chat (held by HOLDER) per endpoint and caller, so no cell depends on another's effect
        Map<String, Chat[]> chats = new LinkedHashMap<>();
        for (String endpoint : EXPECTED.keySet()) {
            Chat[] row = new Chat[callers.length];
            for (int i = 0; i < callers.length; i++) {
                row[i] = activeChat();
            }
            chats.put(endpoint, row);
        }
        Chat other = activeChat();
        // all assigned: one wait for every chat (the events are on their way together)
        List<Chat> pending = new ArrayList<>();
        chats.values().forEach(row -> pending.addAll(List.of(row)));
        await().atMost(WAIT).until(() -> {
            pending.removeIf(c -> "ACTIVE".equals(as(TestTokens.supervisor()).get("/api/v1/chats/" + c.id()).path("status")));
            return pending.isEmpty();
        });
        // the survey comes after the close
        for (Chat c : chats.get("POST /chats/{id}/survey")) {
            as(TestTokens.supervisor()).post("/api/v1/chats/" + c.id() + "/close").then().statusCode(200);
        }

        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, int[]> e : EXPECTED.entrySet()) {
            String endpoint = e.getKey();
            for (int i = 0; i < callers.length; i++) {
                Chat chat = chats.get(endpoint)[i];
                String token = token(callers[i], chat, other);
                int got = call(endpoint, chat, token);
                if (got != e.getValue()[i]) {
                    wrong.add(endpoint + " as " + callers[i] + ": expected " + e.getValue()[i] + ", got " + got);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    private static int call(String endpoint, Chat chat, String token) throws Exception {
        String id = chat.id();
        return switch (endpoint) {
            case "GET /chats/{id}" -> as(token).get("/api/v1/chats/" + id).statusCode();
            case "POST /chats/{id}/messages" -> as(token).body("{\"clientMsgId\":\"m1\",\"text\":\"hello\"}")
                    .post("/api/v1/chats/" + id + "/messages").statusCode();
            case "POST /chats/{id}/transfer" -> as(token).body("{\"queueId\":\"billing\"}").post("/api/v1/chats/" + id + "/transfer").statusCode();
            case "POST /chats/{id}/close" -> as(token).post("/api/v1/chats/" + id + "/close").statusCode();
            case "POST /chats/{id}/survey" -> as(token).body("{\"csat\":5}").post("/api/v1/chats/" + id + "/survey").statusCode();
            case "POST /chats" -> as(token).body("{\"form\":{}}").post("/api/v1/chats").statusCode();
            case "WS /ws/visitor/{id}" -> upgrade("/ws/visitor/" + id, token);
            case "WS /ws/agent" -> upgrade("/ws/agent", token);
            case "WS /ws/dashboard" -> upgrade("/ws/dashboard", token);
            default -> throw new IllegalArgumentException(endpoint);
        };
    }

    /** The upgrade's answer: 101 when the socket opened, else the refusal's status. */
    private static int upgrade(String path, String token) throws Exception {
        String query = token == null ? "" : "?token=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8);
        try {
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(WsClient.uri(path + query), new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            return 101;
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }
}
