package io.chatroute.history.persistence;

import io.chatroute.history.domain.ChatEvent;

/**
 * An event to apply, already parsed: its CloudEvent id (the idempotency key), its type and the domain event.
 */
public record PendingEvent(String eventId, String type, ChatEvent event) {
}
