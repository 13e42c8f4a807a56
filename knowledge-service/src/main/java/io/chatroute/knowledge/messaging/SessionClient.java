package io.chatroute.knowledge.messaging;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.knowledge.config.KnowledgeConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Posts the bot's messages through session-service's REST API: {@code POST /api/v1/chats/{chatId}/messages}
 * {@code {clientMsgId, text, from:"bot"}} with a platform token ({@code chatroute.knowledge.bot.token}). Blocking:
 * call it from a worker thread.
 */
@ApplicationScoped
public class SessionClient {

    /** How session-service answered. */
    public enum Outcome {
        /** 201, or 200 for a clientMsgId it already had (a retry): the message is in the chat once. */
        POSTED,
        /** 409 (the chat is closed) or 404 (no such chat): never post it. */
        GONE,
        /** 400: session refuses this message for good (e.g. too long). */
        REFUSED
    }

    private final HttpClient http;
    private final ObjectMapper mapper;
    private final KnowledgeConfig.Bot config;

    public SessionClient(ObjectMapper mapper, KnowledgeConfig config) {
        this.mapper = mapper;
        this.config = config.bot();
        this.http = HttpClient.newBuilder().connectTimeout(this.config.requestTimeout()).build();
    }

    /** Posts; throws (a transient failure: retried) when session-service is unreachable, slow, 5xx, 401/403 or 429. */
    public Outcome post(String chatId, String clientMsgId, String text) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("clientMsgId", clientMsgId);
        body.put("text", text);
        body.put("from", "bot");
        String json;
        try {
            json = mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String base = config.sessionUrl().endsWith("/") ? config.sessionUrl().substring(0, config.sessionUrl().length() - 1)
                : config.sessionUrl();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/v1/chats/"
                        + URLEncoder.encode(chatId, StandardCharsets.UTF_8).replace("+", "%20") + "/messages"))
                .timeout(config.requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        config.token().filter(t -> !t.isBlank()).ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<Void> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new IllegalStateException("session-service unreachable: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
        int status = response.statusCode();
        if (status == 200 || status == 201) {
            return Outcome.POSTED;
        }
        if (status == 404 || status == 409) {
            return Outcome.GONE;
        }
        if (status == 400 || status == 413 || status == 422) {
            return Outcome.REFUSED;
        }
        // 401/403 (a token missing or wrong: fixed by configuration), 429, 5xx: retried
        throw new IllegalStateException("session-service answered " + status);
    }

    static Duration timeout(KnowledgeConfig.Bot bot) {
        return bot.requestTimeout();
    }
}
