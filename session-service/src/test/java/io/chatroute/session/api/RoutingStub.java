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
 */
public class RoutingStub implements QuarkusTestResourceLifecycleManager {

    static final List<String> AUTHORIZATIONS = new CopyOnWriteArrayList<>();
    /** The chat ids session-service sent with its evaluations (routing-service reserves their places). */
    static final List<String> CHAT_IDS = new CopyOnWriteArrayList<>();
    static final String TOKEN = TestTokens.platform();
    private static final ObjectMapper MAPPER = new ObjectMapper();

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
        server.start();
        return Map.of("quarkus.rest-client.routing.url", "http://127.0.0.1:" + server.getAddress().getPort(),
                "chatroute.routing.token", TOKEN);
    }

    /** Checks a stub answer against routing-service's evaluation schema, when routing-service has published it. */
    static void validate(String json) throws IOException {
        Path schemaFile = EventSchemas.repositoryRoot().resolve("routing-service/src/main/resources/schemas/api/evaluation.json");
        if (!Files.exists(schemaFile)) {
            return;
        }
        try (InputStream in = Files.newInputStream(schemaFile)) {
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            Set<ValidationMessage> errors = schema.validate(MAPPER.readTree(json));
            if (!errors.isEmpty()) {
                throw new AssertionError("evaluate stub answer does not match " + schemaFile + ": " + errors);
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
