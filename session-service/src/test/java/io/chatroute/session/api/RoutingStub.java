package io.chatroute.session.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.sun.net.httpserver.HttpServer;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for routing-service's POST /api/v1/routing/evaluate. Every 200 it returns is checked
 * against routing-service's API schema when that file exists. formId "bad" -> 400 with field errors,
 * "missing" -> 404, "closed" -> open:false, "nobody" -> agentsAble:0.
 *
 * <p>Also GET /api/v1/forms/{formId}/availability (checked against schemas/api/availability.json): "missing" -> 404,
 * "closed" -> closed with a next opening, anything while {@link #AVAILABILITY_DOWN} is set -> 503; every call counted
 * in {@link #AVAILABILITY_CALLS}.
 *
 * <p>And GET /api/v1/agents/{agentId}, asked when an agent socket opens: "routing-known-*" answers AVAILABLE with 1 of 3
 * chats, "routing-slow-*" the same once {@link #SLOW_AGENT} is released (1.2 s at most), any other id 404.
 */
public class RoutingStub implements QuarkusTestResourceLifecycleManager {

    static final List<String> AUTHORIZATIONS = new CopyOnWriteArrayList<>();
    /** The chat ids session-service sent with its evaluations (routing-service reserves their places). */
    static final List<String> CHAT_IDS = new CopyOnWriteArrayList<>();
    static final String TOKEN = TestTokens.platform();
    /** formId -> how many times session-service asked for its availability. */
    static final Map<String, java.util.concurrent.atomic.AtomicInteger> AVAILABILITY_CALLS = new java.util.concurrent.ConcurrentHashMap<>();
    static final List<String> AVAILABILITY_AUTHORIZATIONS = new CopyOnWriteArrayList<>();
    /** While true, availability answers 503 (routing-service away). */
    static final java.util.concurrent.atomic.AtomicBoolean AVAILABILITY_DOWN = new java.util.concurrent.atomic.AtomicBoolean();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** "agentId Authorization" of every GET /api/v1/agents/{id}. */
    static final List<String> AGENT_CALLS = new CopyOnWriteArrayList<>();
    /** Released by a test: the answer about a "routing-slow-*" agent goes out (else after 1.2 s). */
    static volatile java.util.concurrent.CountDownLatch SLOW_AGENT = new java.util.concurrent.CountDownLatch(1);

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/api/v1/routing/evaluate", exchange -> {
            AUTHORIZATIONS.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                body = MAPPER.readTree(in);
            }
            String formId = body.path("formId").asText();
            CHAT_IDS.add(body.path("chatId").asText(""));
            int status;
            String answer;
            switch (formId) {
                case "bad" -> {
                    status = 400;
                    answer = "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"form does not fit\","
                            + "\"errors\":[{\"field\":\"form.topic\",\"message\":\"must be one of billing, delivery\"}]}";
                }
                case "routing-down" -> {
                    // routing-service failing (overloaded, restarting): the chat must still be accepted
                    status = 503;
                    answer = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503}";
                }
                case "missing" -> {
                    status = 404;
                    answer = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"no form\"}";
                }
                default -> {
                    status = 200;
                    boolean open = !"closed".equals(formId);
                    int able = "nobody".equals(formId) ? 0 : 2;
                    answer = "{\"formId\":\"" + formId + "\",\"ruleId\":\"default\",\"queueId\":\"general\",\"requiredSkills\":{},"
                            + "\"priority\":0,\"open\":" + open + ",\"nextOpenAt\":" + (open ? "null" : "\"2030-01-01T06:00:00Z\"")
                            + ",\"position\":3,\"estimatedWaitSeconds\":120,\"agentsAble\":" + able + "}";
                    validate(answer);
                }
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", status == 200 ? "application/json" : "application/problem+json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.createContext("/api/v1/forms/", exchange -> {
            String path = exchange.getRequestURI().getPath(); // /api/v1/forms/{formId}/availability
            String formId = path.substring("/api/v1/forms/".length(), path.length() - "/availability".length());
            AVAILABILITY_CALLS.computeIfAbsent(formId, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            AVAILABILITY_AUTHORIZATIONS.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            int status;
            String answer;
            if (!path.endsWith("/availability") || !"GET".equals(exchange.getRequestMethod())) {
                status = 404;
                answer = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}";
            } else if (AVAILABILITY_DOWN.get()) {
                status = 503;
                answer = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503}";
            } else if ("missing".equals(formId)) {
                status = 404;
                answer = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"form 'missing' does not exist\"}";
            } else {
                status = 200;
                boolean open = !"closed".equals(formId);
                answer = """
                        {"formId":"%s","fields":[{"name":"topic","type":"select","required":true,"options":["billing","delivery"]},
                          {"name":"email","type":"email","required":null,"options":null}],
                         "open":%s,"nextOpenAt":%s,
                         "hours":[{"queueId":"general","name":"General","alwaysOpen":false,"timezone":"Europe/Moscow",
                                   "weekly":[{"days":["MON","TUE","WED","THU","FRI"],"from":"09:00","to":"18:00"}],
                                   "open":%s,"nextOpenAt":%s}],
                         "at":"2030-01-01T00:00:00Z"}""".formatted(formId, open, open ? "null" : "\"2030-01-02T06:00:00Z\"", open,
                        open ? "null" : "\"2030-01-02T06:00:00Z\"");
                validate(answer, "availability.json");
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", status == 200 ? "application/json" : "application/problem+json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.createContext("/api/v1/agents/", exchange -> {
            // GET /api/v1/agents/{id} (session asks it when an agent socket opens): "routing-known-*" AVAILABLE with 1 of
            // 3 chats, "routing-slow-*" the same after SLOW_AGENT is released (1.2 s at most), anything else 404
            String agentId = exchange.getRequestURI().getPath().substring("/api/v1/agents/".length());
            AGENT_CALLS.add(agentId + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            int status = 404;
            String answer = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}";
            if (agentId.startsWith("routing-known-") || agentId.startsWith("routing-slow-")) {
                if (agentId.startsWith("routing-slow-")) {
                    try {
                        SLOW_AGENT.await(1200, java.util.concurrent.TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                status = 200;
                answer = """
                        {"id":"%s","displayName":"Known","title":null,"avatarUrl":null,"skills":{},"maxConcurrentChats":3,
                         "presence":"AVAILABLE","activeChats":1,"statusSince":"2030-01-01T08:00:00Z","lastAssignedAt":null,
                         "graceUntil":null}""".formatted(agentId);
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", status == 200 ? "application/json" : "application/problem+json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        // the slow agent's answer must not hold up the other endpoints
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        return Map.of("quarkus.rest-client.routing.url", "http://127.0.0.1:" + server.getAddress().getPort(),
                "chatroute.routing.token", TOKEN);
    }

    /** Checks a stub answer against routing-service's evaluation schema, when routing-service has published it. */
    static void validate(String json) throws IOException {
        validate(json, "evaluation.json");
    }

    /** Checks a stub answer against one of routing-service's API schemas, when routing-service has published it. */
    static void validate(String json, String schemaName) throws IOException {
        Path schemaFile = EventSchemas.repositoryRoot().resolve("routing-service/src/main/resources/schemas/api/" + schemaName);
        if (!Files.exists(schemaFile)) {
            return;
        }
        try (InputStream in = Files.newInputStream(schemaFile)) {
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            Set<ValidationMessage> errors = schema.validate(MAPPER.readTree(json));
            if (!errors.isEmpty()) {
                throw new AssertionError("stub answer does not match " + schemaFile + ": " + errors);
            }
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
