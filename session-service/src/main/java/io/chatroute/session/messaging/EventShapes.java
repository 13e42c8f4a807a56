package io.chatroute.session.messaging;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the producer's schema requires of each event session-service projects or delivers from another service
 * (routing-service's chat events, knowledge-service's {@code kb.suggested}, and its own {@code chat.closed}): the
 * {@code required} fields of {@code schemas/events/<type>.json} with their types, checked before the event is applied.
 * A record that breaks them is poison: it could never be projected, so retrying it as a transient failure would hold
 * its partition, and every chat on it, back for ever. The state consumer dead-letters it; the delivery consumer skips
 * it (README, "Failure semantics").
 *
 * <p>Only what the schemas' {@code required} lists say is checked (presence, type, non-empty strings, RFC 3339 times,
 * integer minimums, enumerations), never more: an event valid by its producer's schema is never refused here.
 * {@code EventShapesTest} keeps these lists equal to the producers' schema files.
 */
final class EventShapes {

    enum Kind {
        /** A non-empty string. */
        TEXT,
        /** A non-empty string or null (present either way). */
        TEXT_OR_NULL,
        /** A string or null. */
        ANY_TEXT_OR_NULL,
        /** An RFC 3339 date-time with its offset. */
        TIME,
        /** An RFC 3339 date-time or null. */
        TIME_OR_NULL,
        /** An integer, at least {@code min} when it has one. */
        INTEGER,
        /** A JSON object. */
        OBJECT,
        /** A JSON array. */
        ARRAY,
        /** One of the listed strings. */
        ONE_OF
    }

    record Field(String name, Kind kind, Set<String> allowed, Long min) {
    }

    private static Field f(String name, Kind kind) {
        return new Field(name, kind, Set.of(), null);
    }

    private static Field text(String name) {
        return f(name, Kind.TEXT);
    }

    private static Field time(String name) {
        return f(name, Kind.TIME);
    }

    private static Field integer(String name, long min) {
        return new Field(name, Kind.INTEGER, Set.of(), min);
    }

    private static Field oneOf(String name, String... allowed) {
        return new Field(name, Kind.ONE_OF, Set.of(allowed), null);
    }

    private static final List<Field> DECLINED = List.of(text("chatId"), text("agentId"), text("offerId"), time("declinedAt"));

    /** Per type, the fields its producer's schema requires (chat.offer.declined: the same in both producers' files). */
    static final Map<String, List<Field>> REQUIRED = Map.of(
            "chat.queued", List.of(text("chatId"), text("queueId"), text("ruleId"), f("requiredSkills", Kind.OBJECT),
                    integer("priority", Long.MIN_VALUE), integer("position", 1), integer("estimatedWaitSeconds", 0), time("queuedAt")),
            "chat.offline", List.of(text("chatId"), text("queueId"), text("ruleId"), f("requiredSkills", Kind.OBJECT),
                    integer("priority", Long.MIN_VALUE), oneOf("status", "OFFLINE"), oneOf("reason", "closed"),
                    f("nextOpenAt", Kind.TIME_OR_NULL), time("queuedAt")),
            "chat.offered", List.of(text("chatId"), text("agentId"), text("queueId"), text("offerId"), time("offeredAt"),
                    time("expiresAt")),
            "chat.offer.declined", DECLINED,
            "chat.assignment.failed", List.of(text("chatId"), text("agentId"), text("reason"), time("failedAt")),
            "chat.assigned", List.of(text("chatId"), text("agentId"), text("queueId"), time("assignedAt"), f("agent", Kind.OBJECT)),
            "chat.transferred", List.of(text("chatId"), text("requestId"), text("fromAgentId"), text("queueId"),
                    f("agentId", Kind.TEXT_OR_NULL), f("note", Kind.ANY_TEXT_OR_NULL), time("transferredAt")),
            "chat.routing.failed", List.of(text("chatId"), text("reason"), time("failedAt")),
            "chat.closed", List.of(text("chatId"), oneOf("by", "visitor", "agent", "system"), time("closedAt")),
            "kb.suggested", List.of(text("chatId"), integer("forSeq", 1), f("items", Kind.ARRAY), time("suggestedAt")));

    private EventShapes() {
    }

    /** Throws a {@link PoisonEventException} naming the first required field the data lacks or gets wrong. */
    static void check(String type, String id, JsonNode data) {
        for (Field f : REQUIRED.getOrDefault(type, List.of())) {
            String problem = problem(f, data.get(f.name()));
            if (problem != null) {
                throw new PoisonEventException(type + " " + id + ": " + f.name() + " " + problem
                        + " (the producer's schema requires it)");
            }
        }
    }

    private static String problem(Field f, JsonNode v) {
        if (v == null) {
            return "is missing";
        }
        return switch (f.kind()) {
            case TEXT -> v.isTextual() && !v.asText().isEmpty() ? null : "is not a non-empty string";
            case TEXT_OR_NULL -> v.isNull() || (v.isTextual() && !v.asText().isEmpty()) ? null : "is neither null nor a non-empty string";
            case ANY_TEXT_OR_NULL -> v.isNull() || v.isTextual() ? null : "is neither null nor a string";
            case TIME -> time(v) ? null : "is not an RFC 3339 date-time";
            case TIME_OR_NULL -> v.isNull() || time(v) ? null : "is neither null nor an RFC 3339 date-time";
            case INTEGER -> integer(v) && v.asLong() >= f.min() ? null
                    : f.min() == Long.MIN_VALUE ? "is not an integer" : "is not an integer of at least " + f.min();
            case OBJECT -> v.isObject() ? null : "is not an object";
            case ARRAY -> v.isArray() ? null : "is not an array";
            case ONE_OF -> v.isTextual() && f.allowed().contains(v.asText()) ? null : "is not one of " + f.allowed();
        };
    }

    /** An integer as JSON Schema counts one: 3 or 3.0 (within a long). */
    private static boolean integer(JsonNode v) {
        if (v.isIntegralNumber()) {
            return v.canConvertToLong();
        }
        return v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble()) && Math.abs(v.asDouble()) < 9.0e18;
    }

    /** RFC 3339 as {@link OffsetDateTime} reads it (a leap second :60 and more than 9 fraction digits are refused). */
    private static boolean time(JsonNode v) {
        if (!v.isTextual()) {
            return false;
        }
        try {
            OffsetDateTime.parse(v.asText());
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
