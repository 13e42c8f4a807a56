package io.chatroute.history.messaging;

import java.time.Instant;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.chatroute.history.domain.ChatEvent;
import io.chatroute.history.domain.PoisonEventException;
import io.chatroute.history.persistence.PendingEvent;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns one record into the event its batch applies ({@link io.chatroute.history.persistence.EventWriter#applyBatch}
 * applies each event id once, with its processed_event row, in the batch's transaction).
 *
 * <p>A record that can never be applied (no {@code ce_id} or {@code ce_type}, data that is not JSON or lacks
 * a field history needs, a value PostgreSQL cannot hold) fails with a {@link PoisonEventException}: the
 * consumer dead-letters it, alone, and applies the rest of the batch.
 */
@ApplicationScoped
public class ChatEventHandler {

    private static final Logger LOG = Logger.getLogger(ChatEventHandler.class);

    private final ChatEventParser parser;

    public ChatEventHandler(ChatEventParser parser) {
        this.parser = parser;
    }

    /**
     * The event of one record, ready to be applied with its batch, or empty for a type history ignores;
     * throws a {@link PoisonEventException} for a poison record.
     *
     * @param eventId the CloudEvent id ({@code ce_id}); null when the record has none
     * @param type the CloudEvent type ({@code ce_type}); null when the record has none
     * @param time the CloudEvent time ({@code ce_time}); null when the record has none or it is unreadable
     */
    public Optional<PendingEvent> prepare(String eventId, String type, String key, String data, Instant time) {
        Optional<ChatEvent> parsed = parse(eventId, type, data, time);
        if (parsed.isEmpty()) {
            LOG.debugf("chat-events: ignoring %s %s", safe(type), safe(eventId));
            return Optional.empty();
        }
        ChatEvent event = parsed.get();
        if (key != null && !key.equals(event.chatId())) {
            LOG.warnf("chat-events: event %s has key %s but chatId %s; applying to the chatId", safe(eventId), safe(key),
                    safe(event.chatId()));
        }
        return Optional.of(new PendingEvent(eventId, type, event));
    }

    /** The event to apply, empty for a type history does not apply; throws for a poison record. */
    Optional<ChatEvent> parse(String eventId, String type, String data, Instant time) {
        if (type == null || type.isBlank()) {
            throw new MalformedEventException("the record has no ce_type");
        }
        if (!ChatEventParser.applies(type)) {
            return Optional.empty();
        }
        if (eventId == null || eventId.isBlank()) {
            throw new MalformedEventException("the record has no ce_id");
        }
        if (eventId.indexOf('\u0000') >= 0) {
            throw new MalformedEventException("ce_id contains NUL");
        }
        try {
            return parser.parse(type, data, time);
        } catch (MalformedEventException e) {
            throw new MalformedEventException("malformed " + type + ": " + e.getMessage());
        }
    }

    /** Event fields come from outside: no control characters in the log (no forged log lines). */
    static String safe(String s) {
        return s == null ? null : s.codePoints().map(cp -> Character.isISOControl(cp) ? '?' : cp)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
