package io.chatroute.routing.messaging;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the producer's schema requires of each event routing-service consumes (session-service's
 * {@code schemas/events/<type>.json}: its {@code required} fields with their types), checked before an event is
 * applied. A record that breaks it is poison: it could never be applied, so retrying it as a transient failure would
 * hold its partition back for ever. It goes to the dead-letter topic instead, and the partition moves on.
 *
 * <p>Only what the schema's {@code required} list says is checked (presence, type, non-empty strings, RFC 3339
 * times, enumerations), never more: an event valid by its producer's schema is never refused here. Cross-field rules
 * (a transfer names a queue or an agent) stay with the handler, which answers them as the contract says.
 * {@code EventShapesTest} keeps these lists equal to the producer's schema files.
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
        /** A JSON object. */
        OBJECT,
        /** One of the listed strings. */
        ONE_OF
    }

    record Field(String name, Kind kind, Set<String> allowed) {
    }

    private static Field text(String name) {
        return new Field(name, Kind.TEXT, Set.of());
    }

    private static Field time(String name) {
        return new Field(name, Kind.TIME, Set.of());
    }

    /** Per consumed type (from session-service), the fields its schema requires. */
    static final Map<String, List<Field>> REQUIRED = Map.of(
            "chat.requested", List.of(text("chatId"), text("formId"), new Field("visitor", Kind.OBJECT, Set.of()),
                    new Field("form", Kind.OBJECT, Set.of()), time("requestedAt")),
            "chat.offer.accepted", List.of(text("chatId"), text("agentId"), text("offerId"), time("acceptedAt")),
            "chat.offer.declined", List.of(text("chatId"), text("agentId"), text("offerId"), time("declinedAt")),
            "chat.offer.delivered", List.of(text("chatId"), text("agentId"), text("offerId"), time("deliveredAt")),
            "chat.closed", List.of(text("chatId"), new Field("by", Kind.ONE_OF, Set.of("visitor", "agent", "system")),
                    time("closedAt")),
            "chat.transfer.requested", List.of(text("chatId"), text("requestId"), text("fromAgentId"),
                    new Field("queueId", Kind.TEXT_OR_NULL, Set.of()), new Field("agentId", Kind.TEXT_OR_NULL, Set.of()),
                    new Field("note", Kind.ANY_TEXT_OR_NULL, Set.of()), text("requestedBy"), time("requestedAt")),
            "agent.presence.requested", List.of(text("agentId"),
                    new Field("status", Kind.ONE_OF, Set.of("AVAILABLE", "AWAY", "OFFLINE")), time("requestedAt")),
            "agent.connected", List.of(text("agentId"), time("connectedAt")));

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
            case OBJECT -> v.isObject() ? null : "is not an object";
            case ONE_OF -> v.isTextual() && f.allowed().contains(v.asText()) ? null : "is not one of " + f.allowed();
            case TIME -> time(v) ? null : "is not an RFC 3339 date-time";
        };
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
