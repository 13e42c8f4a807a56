package io.chatroute.knowledge.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * session-service replaced by a small real HTTP server (another service: the one boundary these tests fake). It
 * answers {@code POST /api/v1/chats/{chatId}/messages} as session does for a platform token: 201 with a new seq, 200
 * for a clientMsgId it already has, 409 for a chat marked closed, 401 without a bearer token; and 503 while
 * {@link #down} is set. It records every post it accepted, once per clientMsgId.
 */
public class FakeSessionService implements QuarkusTestResourceLifecycleManager {

    /** A post as received. */
    public record Post(String chatId, String clientMsgId, String text, String from, String authorization) {
    }

    public static final List<Post> POSTS = new CopyOnWriteArrayList<>();
    /** Every attempt, accepted or not. */
    public static final List<String> ATTEMPTS = new CopyOnWriteArrayList<>();
    public static final Set<String> CLOSED = ConcurrentHashMap.newKeySet();
    public static volatile boolean down;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Integer> SEEN = new ConcurrentHashMap<>();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/api/v1/chats/", this::handle);
        server.start();
        return Map.of("chatroute.knowledge.bot.session-url", "http://127.0.0.1:" + server.getAddress().getPort(),
                "chatroute.knowledge.bot.token", "test-platform-token");
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String[] parts = path.split("/");
        // /api/v1/chats/{chatId}/messages
        if (!"POST".equals(ex.getRequestMethod()) || parts.length != 6 || !"messages".equals(parts[5])) {
            answer(ex, 404, "{}");
            return;
        }
        String chatId = java.net.URLDecoder.decode(parts[4], StandardCharsets.UTF_8);
        String body;
        try (InputStream in = ex.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ATTEMPTS.add(chatId);
        if (down) {
            answer(ex, 503, "{}");
            return;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            answer(ex, 401, "{}");
            return;
        }
        if (CLOSED.contains(chatId)) {
            answer(ex, 409, "{}");
            return;
        }
        JsonNode n = JSON.readTree(body);
        String clientMsgId = n.path("clientMsgId").asText();
        Integer seq = SEEN.get(clientMsgId);
        if (seq != null) {
            answer(ex, 200, "{\"clientMsgId\":\"" + clientMsgId + "\",\"seq\":" + seq + "}");
            return;
        }
        SEEN.put(clientMsgId, SEEN.size() + 100);
        POSTS.add(new Post(chatId, clientMsgId, n.path("text").asText(), n.path("from").asText(), auth));
        answer(ex, 201, "{\"clientMsgId\":\"" + clientMsgId + "\",\"seq\":" + SEEN.get(clientMsgId) + "}");
    }

    private static void answer(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    public static List<Post> postsFor(String chatId) {
        return POSTS.stream().filter(p -> p.chatId().equals(chatId)).toList();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
