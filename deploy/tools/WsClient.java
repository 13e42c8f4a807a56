import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A minimal WebSocket console client for trying ChatRoute by hand.
 *
 * <pre>
 *   java deploy/tools/WsClient.java "ws://localhost:8080/ws/agent?token=$(deploy/dev-token.sh anna agent)"
 * </pre>
 *
 * Prints every frame it receives on its own line (text as is; binary as "[binary N bytes]") and sends
 * every line typed on standard input as one text frame. End of input (Ctrl-D) closes the socket
 * normally; the program exits when the server closes the connection. Options: {@code -H 'Name: value'}
 * adds a request header (may repeat). Needs Java 21 or newer; no dependencies.
 */
public final class WsClient {

    public static void main(String[] args) throws Exception {
        String url = null;
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        WebSocket.Builder builder = client.newWebSocketBuilder();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-H") && i + 1 < args.length) {
                String[] header = args[++i].split(":", 2);
                if (header.length != 2) {
                    usage("bad header: " + args[i]);
                }
                builder.header(header[0].trim(), header[1].trim());
            } else if (args[i].startsWith("-")) {
                usage("unknown option " + args[i]);
            } else if (url == null) {
                url = args[i];
            } else {
                usage("one URL only");
            }
        }
        if (url == null) {
            usage("no URL");
        }

        CompletableFuture<Void> closed = new CompletableFuture<>();
        WebSocket socket;
        try {
            socket = builder.buildAsync(URI.create(url), new Printer(closed)).join();
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.err.println("[cannot connect: " + cause + "]");
            System.exit(1);
            return;
        }
        System.err.println("[connected to " + redact(url) + "; type a JSON frame per line, Ctrl-D to close]");

        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while (!closed.isDone() && (line = in.readLine()) != null) {
                    if (!line.isBlank()) {
                        socket.sendText(line, true).join();
                    }
                }
                if (!closed.isDone()) {
                    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
                    closed.completeOnTimeout(null, 5, TimeUnit.SECONDS); // the server may never answer the close
                }
            } catch (Exception e) {
                if (!closed.isDone()) {
                    System.err.println("[send failed: " + e + "]");
                    socket.abort();
                    closed.complete(null);
                }
            }
        }, "stdin");
        reader.setDaemon(true);
        reader.start();

        try {
            closed.join();
        } catch (Exception e) {
            System.err.println("[error: " + (e.getCause() != null ? e.getCause() : e) + "]");
            System.exit(1);
        }
        // give a close frame we answered a moment to leave, then exit even if stdin is still open
        closed.get(1, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static String redact(String url) {
        return url.replaceAll("token=[^&]+", "token=***");
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: java WsClient.java [-H 'Name: value']... ws://host:port/path?token=...");
        System.exit(2);
    }

    /** Prints each complete message on its own line. */
    private static final class Printer implements WebSocket.Listener {
        private final CompletableFuture<Void> closed;
        private final StringBuilder text = new StringBuilder();
        private int binaryBytes;

        Printer(CompletableFuture<Void> closed) {
            this.closed = closed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                System.out.println(text);
                System.out.flush();
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
            binaryBytes += data.remaining();
            if (last) {
                System.out.println("[binary " + binaryBytes + " bytes]");
                System.out.flush();
                binaryBytes = 0;
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            System.err.println("[closed " + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason) + "]");
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            System.err.println("[error: " + error + "]");
            closed.complete(null);
        }
    }
}
