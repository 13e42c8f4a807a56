package io.chatroute.history.domain;

/**
 * Where a chat stands, as far as history knows. Events from different producers (session, routing)
 * may arrive in any order, so the status only ever moves forward: a late {@code chat.assigned} never
 * reopens a closed chat.
 */
public enum ChatStatus {
    /** Only messages are known so far (the chat.requested event has not arrived). */
    UNKNOWN,
    REQUESTED,
    QUEUED,
    ACTIVE,
    CLOSED;

    /** The later of the two statuses. */
    public ChatStatus advanceTo(ChatStatus next) {
        return next.ordinal() > ordinal() ? next : this;
    }
}
