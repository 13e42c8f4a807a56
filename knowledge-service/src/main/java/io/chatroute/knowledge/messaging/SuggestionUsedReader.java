package io.chatroute.knowledge.messaging;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.knowledge.domain.PoisonEventException;

/**
 * Reads the data of suggestion.used as session-service's schema defines it ({@code chatId}, {@code articleId} of
 * 1..100 of {@code [A-Za-z0-9._:-]}, {@code agentId}, {@code usedAt} a date-time); anything else is poison.
 */
public final class SuggestionUsedReader {

    private static final Pattern ARTICLE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    public record Used(String chatId, String articleId, String agentId, Instant usedAt) {
    }

    private final ObjectMapper mapper;

    public SuggestionUsedReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Used read(String json) {
        JsonNode n;
        try {
            n = json == null ? null : mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw poison("data is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        }
        if (n == null || !n.isObject()) {
            throw poison("data is not a JSON object");
        }
        String chatId = required(n, "chatId");
        String articleId = required(n, "articleId");
        if (!ARTICLE_ID.matcher(articleId).matches()) {
            throw poison("articleId must be 1 to 100 of [A-Za-z0-9._:-]");
        }
        String agentId = required(n, "agentId");
        Instant usedAt;
        try {
            usedAt = OffsetDateTime.parse(required(n, "usedAt")).toInstant();
        } catch (DateTimeParseException e) {
            throw poison("usedAt is not a date-time");
        }
        if (chatId.indexOf('\u0000') >= 0 || agentId.indexOf('\u0000') >= 0) {
            throw poison("an identifier contains NUL");
        }
        return new Used(chatId, articleId, agentId, usedAt);
    }

    private static String required(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw poison(field + " is missing or not a non-empty string");
        }
        return v.asText();
    }

    private static PoisonEventException poison(String reason) {
        return new PoisonEventException("unreadable suggestion.used: " + reason);
    }
}
