package io.chatroute.session.api;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for history-service's GET /api/v1/metrics/today, /api/v1/metrics, /api/v1/tags/stats and
 * /api/v1/customers/{id}/history, shaped like history-service's answers (README, "Metrics", "Tag statistics" and
 * "Customers"); a customer whose id starts with {@code slow-} is answered after {@link #SLOW_MILLIS}. 401 without a bearer token, like history-service;
 * {@code groupBy=boom} -> 500; a {@code from} that is not a date -> 400 with field errors. Every request it got (path,
 * query and Authorization) is kept in {@link #REQUESTS}.
 */
public class HistoryStub implements QuarkusTestResourceLifecycleManager {

    /** "path?query Authorization" of every request. */
    static final List<String> REQUESTS = new CopyOnWriteArrayList<>();
    /** When each customer-history answer was sent (customer id, epoch millis). */
    static final Map<String, Long> HISTORY_ANSWERED = new java.util.concurrent.ConcurrentHashMap<>();
    static final long SLOW_MILLIS = 2000;

    static final String TODAY = """
            {"from":"2030-01-01T00:00:00Z","to":"2030-01-01T10:00:00Z","groupBy":"queue",
             "total":{"key":null,"chats":6,"abandoned":1,"answered":4,
                      "waitSeconds":{"count":4,"avg":25.0,"p50":15.0,"p90":48.0},
                      "firstResponseSeconds":{"count":4,"avg":51.25,"p50":35.0,"p90":99.0},
                      "responseSeconds":{"count":4,"avg":30.0,"p50":35.0,"p90":40.0},
                      "handleSeconds":{"count":4,"avg":245.0,"p50":285.0,"p90":304.0},
                      "csat":{"count":4,"avg":3.5},"ces":{"count":3,"avg":2.67},
                      "csatByConcurrency":[{"concurrency":1,"surveys":2,"csat":4.5},{"concurrency":2,"surveys":1,"csat":3.0}]},
             "groups":[{"key":"billing","chats":4}]}""";

    static final String TAGS = """
            {"interval":"day","from":"2030-01-01T00:00:00Z","to":"2030-01-02T00:00:00Z",
             "buckets":[{"start":"2030-01-01T00:00:00Z","tags":{"late-shipper":2,"<img src=x onerror=alert(1)>":1}}]}""";

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool()); // a slow answer holds no other
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/api/v1/", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            REQUESTS.add(path + "?" + query + " " + auth);
            int status = 200;
            String body;
            if (auth == null || !auth.startsWith("Bearer ")) {
                status = 401;
                body = "{\"type\":\"https://chatroute.dev/problems/unauthorized\",\"title\":\"Unauthorized\",\"status\":401}";
            } else if (query != null && query.contains("groupBy=boom")) {
                status = 500;
                body = "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500}";
            } else if (query != null && query.contains("from=yesterday")) {
                status = 400;
                body = """
                        {"type":"https://chatroute.dev/problems/validation","title":"Bad Request","status":400,
                         "errors":[{"field":"from","message":"must be an ISO-8601 time or date"}]}""";
            } else if (path.equals("/api/v1/metrics/today") || path.equals("/api/v1/metrics")) {
                body = TODAY;
            } else if (path.equals("/api/v1/tags/stats")) {
                body = TAGS;
            } else if (path.startsWith("/api/v1/customers/") && path.endsWith("/history")) {
                String customerId = path.substring("/api/v1/customers/".length(), path.length() - "/history".length());
                if (customerId.startsWith("slow-")) {
                    try {
                        Thread.sleep(SLOW_MILLIS); // stands for a slow history-service, not synchronisation
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                body = """
                        {"customerId":"%s","chats":[{"chatId":"earlier-%s","status":"CLOSED","queueId":"general",
                         "agentId":"a-1","agents":[],"requestedAt":"2030-01-01T09:00:00Z","closedAt":"2030-01-01T09:10:00Z",
                         "closedBy":"agent","tags":["refund"],"survey":null,"messageCount":4,
                         "firstVisitorMessage":"where is my refund"}],
                         "notes":[{"id":"n-1","text":"prefers email","agentId":"a-1","createdAt":"2030-01-01T09:11:00Z"}]}""".formatted(customerId, customerId);
                HISTORY_ANSWERED.put(customerId, System.currentTimeMillis());
            } else {
                status = 404;
                body = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", status == 200 ? "application/json" : "application/problem+json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return Map.of("quarkus.rest-client.history.url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
