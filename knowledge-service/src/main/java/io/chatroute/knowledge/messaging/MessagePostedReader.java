package io.chatroute.knowledge.messaging;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.knowledge.domain.PoisonEventException;

/**
 * Reads the data of a chat.message.posted as session-service's schema defines it, as far as knowledge-service
 * uses it: every required field present with its type ({@code chatId}, {@code seq} a whole number from 1,
 * {@code messageId}, {@code from} one of the four senders, {@code text} not empty, {@code sentAt} a
 * date-time). Unknown fields are ignored (producers change schemas additively). Data that is not JSON or
 * breaks one of these rules is poison ({@link PoisonEventException}): no retry can make it readable.
 */
public final class MessagePostedReader {

    private static final Set<String> SENDERS = Set.of("visitor", "agent", "bot", "system");

    private final ObjectMapper mapper;

    public MessagePostedReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ChatMessagePosted read(String json) {
        if (json == null || json.isBlank()) {
            throw poison("no data");
        }
        JsonNode n;
        try {
            n = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            // the parser's message may quote the payload: keep only its location
            throw poison("data is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        }
        if (n == null || !n.isObject()) {
            throw poison("data is not a JSON object");
        }
        JsonNode seq = n.path("seq");
        if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 1) {
            throw poison("seq must be a whole number from 1");
        }
        String from = requiredString(n, "from");
        if (!SENDERS.contains(from)) {
            throw poison("from must be one of " + SENDERS);
        }
        String sentAt = requiredString(n, "sentAt");
        try {
            OffsetDateTime.parse(sentAt);
        } catch (DateTimeParseException e) {
            throw poison("sentAt is not a date-time");
        }
        return new ChatMessagePosted(requiredString(n, "chatId"), seq.asLong(), requiredString(n, "messageId"),
                optionalString(n, "clientMsgId"), from, optionalString(n, "senderId"), requiredString(n, "text"),
                optionalString(n, "language"), sentAt);
    }

    private static String requiredString(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw poison(field + " is missing or not a non-empty string");
        }
        return v.asText();
    }

    private static String optionalString(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw poison(field + " is not a string");
        }
        return v.asText();
    }

    private static PoisonEventException poison(String reason) {
        return new PoisonEventException("unreadable chat.message.posted: " + reason);
    }
}
