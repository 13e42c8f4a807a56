package io.chatroute.history.messaging;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.history.domain.AgentRef;
import io.chatroute.history.domain.ChatEvent;
import io.chatroute.history.domain.InvalidInputException;
import io.chatroute.history.domain.Tags;
import io.chatroute.history.domain.Visitor;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns the JSON data of a chat-events CloudEvent into a domain event. Lenient on what it does not
 * need (unknown fields are ignored: producers may add fields), strict on what it does (the chat id,
 * the times, a message's seq and text): those missing make the event malformed (poison).
 *
 * <p>It also keeps out what PostgreSQL can never store, because a write that fails on the data itself
 * would otherwise be retried forever as a transient failure: NUL is stripped from free text (names,
 * message text, form values) and makes an identifier malformed; a time outside the years 1 to 9999 is
 * malformed.
 */
@ApplicationScoped
public class ChatEventParser {

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("+10000-01-01T00:00:00Z");

    private final ObjectMapper mapper;

    public ChatEventParser(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The domain event, or empty for a type history does not apply. */
    public Optional<ChatEvent> parse(String type, String json) {
        return parse(type, json, null);
    }

    /** As {@link #parse(String, String)}, with the event's CloudEvents {@code time} (null when the record has none). */
    public Optional<ChatEvent> parse(String type, String json, Instant time) {
        if (type == null) {
            return Optional.empty();
        }
        return switch (type) {
            case ChatEvent.TYPE_REQUESTED -> Optional.of(requested(read(json)));
            case ChatEvent.TYPE_QUEUED -> Optional.of(queued(read(json), time));
            case ChatEvent.TYPE_ASSIGNED -> Optional.of(assigned(read(json)));
            case ChatEvent.TYPE_MESSAGE_POSTED -> Optional.of(messagePosted(read(json)));
            case ChatEvent.TYPE_CLOSED -> Optional.of(closed(read(json)));
            case ChatEvent.TYPE_TAGGED -> Optional.of(tagged(read(json)));
            case ChatEvent.TYPE_SURVEYED -> Optional.of(surveyed(read(json)));
            case ChatEvent.TYPE_OFFERED -> Optional.of(offered(read(json)));
            case ChatEvent.TYPE_TRANSFERRED -> Optional.of(transferred(read(json)));
            default -> Optional.empty();
        };
    }

    /** True for the types {@link #parse} applies. */
    public static boolean applies(String type) {
        return ChatEvent.TYPE_REQUESTED.equals(type) || ChatEvent.TYPE_QUEUED.equals(type)
                || ChatEvent.TYPE_ASSIGNED.equals(type) || ChatEvent.TYPE_MESSAGE_POSTED.equals(type)
                || ChatEvent.TYPE_CLOSED.equals(type) || ChatEvent.TYPE_TAGGED.equals(type)
                || ChatEvent.TYPE_SURVEYED.equals(type) || ChatEvent.TYPE_OFFERED.equals(type)
                || ChatEvent.TYPE_TRANSFERRED.equals(type);
    }

    private JsonNode read(String json) {
        if (json == null || json.isBlank()) {
            throw new MalformedEventException("no data");
        }
        try {
            JsonNode node = mapper.readTree(json);
            if (node == null || !node.isObject()) {
                throw new MalformedEventException("data is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            // the parser's message may quote the payload: keep only its location
            throw new MalformedEventException("data is not valid JSON (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    private ChatEvent.Requested requested(JsonNode n) {
        JsonNode v = n.path("visitor");
        Visitor visitor = new Visitor(text(v, "name"), text(v, "email"), text(v, "locale"), text(v, "customerId"));
        Map<String, Object> form = new LinkedHashMap<>();
        JsonNode f = n.path("form");
        if (f.isObject()) {
            f.properties().forEach(e -> form.put(noNul(e.getKey()), scalar(e.getValue())));
        }
        return new ChatEvent.Requested(required(n, "chatId"), text(n, "formId"), visitor, form, text(n, "message"),
                text(n, "queueId"), time(n, "requestedAt"));
    }

    private ChatEvent.Queued queued(JsonNode n, Instant time) {
        Map<String, Integer> skills = new LinkedHashMap<>();
        JsonNode s = n.path("requiredSkills");
        if (s.isObject()) {
            s.properties().forEach(e -> skills.put(noNul(e.getKey()), e.getValue().asInt()));
        }
        return new ChatEvent.Queued(required(n, "chatId"), required(n, "queueId"), text(n, "ruleId"), skills,
                n.hasNonNull("priority") ? n.get("priority").asInt() : null, time(n, "queuedAt"), text(n, "reason"),
                time == null || time.isBefore(EARLIEST) || !time.isBefore(LATEST) ? null : time);
    }

    private ChatEvent.Assigned assigned(JsonNode n) {
        String agentId = required(n, "agentId");
        JsonNode a = n.path("agent");
        AgentRef agent = new AgentRef(a.hasNonNull("id") ? a.get("id").asText() : agentId, text(a, "displayName"),
                text(a, "title"), text(a, "avatarUrl"));
        return new ChatEvent.Assigned(required(n, "chatId"), agentId, text(n, "queueId"), text(n, "offerId"),
                time(n, "assignedAt"), agent);
    }

    private ChatEvent.MessagePosted messagePosted(JsonNode n) {
        JsonNode seq = n.path("seq");
        if (!seq.canConvertToInt() || !seq.isIntegralNumber() || seq.asInt() < 1) {
            throw new MalformedEventException("seq must be a whole number from 1");
        }
        String from = required(n, "from");
        // PostgreSQL text cannot hold NUL: a visitor typing one must not cost the message
        String text = n.path("text").isTextual() ? noNul(n.get("text").asText()) : null;
        if (text == null) {
            throw new MalformedEventException("text is missing");
        }
        return new ChatEvent.MessagePosted(required(n, "chatId"), seq.asInt(), required(n, "messageId"),
                text(n, "clientMsgId"), from, text(n, "senderId"), text, text(n, "language"), time(n, "sentAt"));
    }

    private ChatEvent.Closed closed(JsonNode n) {
        return new ChatEvent.Closed(required(n, "chatId"), text(n, "by"), text(n, "agentId"), time(n, "closedAt"));
    }

    /**
     * {@code chat.tagged} (session-service, its schema {@code schemas/events/chat.tagged.json}):
     * {@code {"chatId", "tags":[…], "agentId"?, "taggedAt"?}}, the tags replacing the chat's. Tags are normalised
     * like those of the REST API, whose rule takes every tag session-service accepts ({@link Tags}); a list the API
     * would refuse makes the event malformed.
     */
    private ChatEvent.Tagged tagged(JsonNode n) {
        String chatId = required(n, "chatId");
        JsonNode t = n.path("tags");
        if (!t.isArray()) {
            throw new MalformedEventException("tags must be an array");
        }
        List<Object> raw = new ArrayList<>();
        t.forEach(e -> raw.add(e.isTextual() ? e.asText() : null));
        List<String> tags;
        try {
            tags = Tags.normalise(raw, "tags");
        } catch (InvalidInputException e) {
            throw new MalformedEventException(e.errors().stream().map(f -> f.field() + " " + f.message())
                    .collect(Collectors.joining("; ")));
        }
        return new ChatEvent.Tagged(chatId, tags, text(n, "agentId"), n.hasNonNull("taggedAt") ? time(n, "taggedAt") : null);
    }

    /**
     * {@code chat.surveyed} (session-service): {@code {"chatId", "csat", "ces", "comment", "surveyedAt"}}; each score
     * null or a whole number 1 to 5, not both null.
     */
    private ChatEvent.Surveyed surveyed(JsonNode n) {
        String chatId = required(n, "chatId");
        Integer csat = score(n, "csat");
        Integer ces = score(n, "ces");
        if (csat == null && ces == null) {
            throw new MalformedEventException("csat and ces are both missing");
        }
        return new ChatEvent.Surveyed(chatId, csat, ces, text(n, "comment"), time(n, "surveyedAt"));
    }

    private static Integer score(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (v.isNull() || v.isMissingNode()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1 || v.asInt() > 5) {
            throw new MalformedEventException(field + " must be a whole number from 1 to 5 or null");
        }
        return v.asInt();
    }

    /** {@code chat.offered} (routing-service): who was offered the chat, when, until when. */
    private ChatEvent.Offered offered(JsonNode n) {
        return new ChatEvent.Offered(required(n, "chatId"), required(n, "offerId"), required(n, "agentId"),
                optionalId(n, "queueId"), time(n, "offeredAt"), n.hasNonNull("expiresAt") ? time(n, "expiresAt") : null);
    }

    /**
     * {@code chat.transferred} (routing-service): {@code {"chatId", "requestId", "fromAgentId", "queueId",
     * "agentId"|null, "note", "transferredAt"}}; the request id names the transfer.
     */
    private ChatEvent.Transferred transferred(JsonNode n) {
        return new ChatEvent.Transferred(required(n, "chatId"), required(n, "requestId"), optionalId(n, "fromAgentId"),
                optionalId(n, "queueId"), optionalId(n, "agentId"), text(n, "note"), time(n, "transferredAt"));
    }

    /** An identifier that may be absent or null (then null); present, it must not hold NUL. */
    private static String optionalId(JsonNode n, String field) {
        JsonNode node = n.path(field);
        if (node.isNull() || node.isMissingNode() || (node.isTextual() && node.asText().isBlank())) {
            return null;
        }
        return required(n, field);
    }

    /** Free text: NUL removed. */
    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isNull() || v.isMissingNode() ? null : noNul(v.asText());
    }

    /** An identifier: present, not blank, no NUL (it would name another chat if stripped). */
    private static String required(JsonNode n, String field) {
        JsonNode node = n.path(field);
        String v = node.isNull() || node.isMissingNode() ? null : node.asText();
        if (v == null || v.isBlank()) {
            throw new MalformedEventException(field + " is missing");
        }
        if (v.indexOf('\u0000') >= 0) {
            throw new MalformedEventException(field + " contains NUL");
        }
        return v;
    }

    private static Instant time(JsonNode n, String field) {
        String v = required(n, field);
        Instant t;
        try {
            t = Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                t = java.time.OffsetDateTime.parse(v).toInstant();
            } catch (DateTimeParseException e2) {
                throw new MalformedEventException(field + " is not an ISO-8601 time");
            }
        }
        if (t.isBefore(EARLIEST) || !t.isBefore(LATEST)) {
            throw new MalformedEventException(field + " is outside the years 1 to 9999");
        }
        return t;
    }

    private static String noNul(String s) {
        return s == null || s.indexOf('\u0000') < 0 ? s : s.replace("\u0000", "");
    }

    private static Object scalar(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isIntegralNumber()) {
            return v.longValue();
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        return noNul(v.isValueNode() ? v.asText() : v.toString());
    }
}
