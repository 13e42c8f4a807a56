package io.chatroute.session.api;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.RestAssured;

/** A test WebSocket client that collects every JSON frame it receives. */
final class WsClient implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final List<JsonNode> frames;
    private final WebSocket socket;

    private final java.util.concurrent.atomic.AtomicInteger closeCode;

    private WsClient(WebSocket socket, List<JsonNode> frames, java.util.concurrent.atomic.AtomicInteger closeCode) {
        this.socket = socket;
        this.frames = frames;
        this.closeCode = closeCode;
    }

    /** The close code the server sent, or -1 while open. */
    int closeCode() {
        return closeCode.get();
    }

    static URI uri(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + RestAssured.port + pathAndQuery);
    }

    static WsClient connect(String pathAndQuery) throws Exception {
        return connect(pathAndQuery, null);
    }

    /** Connects sending an Origin header, as a browser would (null: none). */
    static WsClient connect(String pathAndQuery, String origin) throws Exception {
        List<JsonNode> frames = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger closeCode = new java.util.concurrent.atomic.AtomicInteger(-1);
        StringBuilder partial = new StringBuilder();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (origin != null) {
            builder.header("Origin", origin);
        }
        WebSocket ws = builder
                .buildAsync(uri(pathAndQuery), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            try {
                                frames.add(MAPPER.readTree(partial.toString()));
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            partial.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closeCode.set(statusCode);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        return new WsClient(ws, frames, closeCode);
    }

    List<JsonNode> frames() {
        return frames;
    }

    List<JsonNode> ofType(String type) {
        return frames.stream().filter(f -> type.equals(f.path("type").asText())).toList();
    }

    void send(String json) throws Exception {
        socket.sendText(json, true).get(10, TimeUnit.SECONDS);
    }

    void sendBinary(byte[] data) throws Exception {
        socket.sendBinary(java.nio.ByteBuffer.wrap(data), true).get(10, TimeUnit.SECONDS);
    }

    boolean isOpen() {
        return !socket.isInputClosed() && !socket.isOutputClosed();
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null);
    }
}
