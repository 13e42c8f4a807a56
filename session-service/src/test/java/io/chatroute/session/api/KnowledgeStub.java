package io.chatroute.session.api;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for knowledge-service's GET /api/v1/kb/canned?prefix= and GET /api/v1/kb/articles/{id}, shaped like
 * knowledge-service's CannedView and ArticleView. It answers 401 without a bearer token, like knowledge-service;
 * article "boom" -> 500, "missing" -> 404. Every Authorization header it got is kept in {@link #AUTHORIZATIONS}.
 */
public class KnowledgeStub implements QuarkusTestResourceLifecycleManager {

    static final List<String> AUTHORIZATIONS = new CopyOnWriteArrayList<>();

    private static final List<String[]> CANNED = List.of(
            new String[] {"c-refund", "/refund", "Your refund is on its way, {agent} here.", "en"},
            new String[] {"c-refund-ru", "/refund", "Возврат оформлен.", "ru"},
            new String[] {"c-hello", "/hello", "Hello! <img src=x onerror=alert(1)>", "en"});

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/api/v1/kb/", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            AUTHORIZATIONS.add(String.valueOf(auth));
            String path = exchange.getRequestURI().getPath();
            int status = 200;
            String body;
            if (auth == null || !auth.startsWith("Bearer ")) {
                status = 401;
                body = "{\"type\":\"https://chatroute.dev/problems/unauthorized\",\"title\":\"Unauthorized\",\"status\":401}";
            } else if (path.equals("/api/v1/kb/canned")) {
                String query = exchange.getRequestURI().getRawQuery();
                String prefix = "";
                for (String pair : query == null ? new String[0] : query.split("&")) {
                    if (pair.startsWith("prefix=")) {
                        prefix = URLDecoder.decode(pair.substring(7), StandardCharsets.UTF_8);
                    }
                }
                StringBuilder list = new StringBuilder("[");
                for (String[] c : CANNED) {
                    if (c[1].startsWith(prefix)) {
                        list.append(list.length() > 1 ? "," : "").append("""
                                {"id":"%s","shortcut":"%s","text":"%s","language":"%s","updatedAt":"2030-01-01T00:00:00Z"}"""
                                .formatted(c[0], c[1], c[2], c[3]));
                    }
                }
                body = list.append("]").toString();
            } else if (path.equals("/api/v1/kb/articles/boom")) {
                status = 500;
                body = "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500}";
            } else if (path.equals("/api/v1/kb/articles/missing")) {
                status = 404;
                body = "{\"type\":\"https://chatroute.dev/problems/not-found\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"No article missing\"}";
            } else if (path.startsWith("/api/v1/kb/articles/")) {
                String id = path.substring("/api/v1/kb/articles/".length());
                body = """
                        {"id":"%s","title":"Charged twice","body":"The second charge is a hold.","language":"en","tags":["billing"],"public":true}"""
                        .formatted(id);
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
        return Map.of("quarkus.rest-client.knowledge.url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
