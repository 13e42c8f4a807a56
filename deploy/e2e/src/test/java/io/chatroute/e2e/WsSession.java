package io.chatroute.e2e;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A WebSocket client that keeps every received JSON frame (with its arrival time) and logs both directions. */
final class WsSession implements WebSocket.Listener, AutoCloseable {

    record Frame(Instant receivedAt, JsonNode json) {
        String type() {
            return json.path("type").asText();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final BufferedWriter log;
    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket socket;
    private volatile String closedBecause;

    private WsSession(String name, Path logFile) {
        this.name = name;
        try {
            Files.createDirectories(logFile.getParent());
            this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static WsSession connect(HttpClient http, String url, String name, Path logDir) {
        WsSession session = new WsSession(name, logDir.resolve("ws-" + name + ".log"));
        session.socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(url), session).orTimeout(15, TimeUnit.SECONDS).join();
        session.write("-- connected to " + url.replaceAll("token=[^&]+", "token=***"));
        return session;
    }

    /** Sends one JSON text frame and waits until it has been written. */
    synchronized void send(Object frame) {
        try {
            String text = JSON.writeValueAsString(frame);
            write("> " + text);
            socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Frame> frames() {
        return List.copyOf(frames);
    }

    List<Frame> frames(Predicate<JsonNode> filter) {
        return frames.stream().filter(f -> filter.test(f.json())).toList();
    }

    Optional<Frame> first(Predicate<JsonNode> filter) {
        return frames.stream().filter(f -> filter.test(f.json())).findFirst();
    }

    /** Waits (Awaitility) for the first frame that matches; on time-out fails with every frame seen so far. */
    Frame await(String what, Duration atMost, Predicate<JsonNode> filter) {
        try {
            Awaitility.await(name + " receives " + what).atMost(atMost).pollInterval(Duration.ofMillis(20))
                    .until(() -> first(filter).isPresent());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + " socket did not receive " + what + " within " + atMost
                    + (closedBecause == null ? "" : " (socket closed: " + closedBecause + ")")
                    + "; frames received:\n" + dump(), e);
        }
        return first(filter).orElseThrow();
    }

    String dump() {
        StringBuilder out = new StringBuilder();
        frames.forEach(f -> out.append("  ").append(f.json()).append('\n'));
        return out.isEmpty() ? "  (none)\n" : out.toString();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            write("< " + text);
            try {
                frames.add(new Frame(Instant.now(), JSON.readTree(text)));
            } catch (IOException e) {
                frames.add(new Frame(Instant.now(), JSON.createObjectNode().put("type", "(not json)").put("text", text)));
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closedBecause = statusCode + " " + reason;
        write("-- closed by server: " + closedBecause);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closedBecause = "error " + error;
        write("-- error: " + error);
    }

    private void write(String line) {
        synchronized (log) {
            try {
                log.write(Instant.now() + " " + line);
                log.newLine();
                log.flush();
            } catch (IOException ignored) {
                // the log is a diagnostic aid only
            }
        }
    }

    @Override
    public void close() {
        WebSocket s = socket;
        if (s != null && !s.isOutputClosed()) {
            try {
                s.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(5, TimeUnit.SECONDS).join();
            } catch (RuntimeException ignored) {
                s.abort();
            }
        }
        synchronized (log) {
            try {
                log.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
