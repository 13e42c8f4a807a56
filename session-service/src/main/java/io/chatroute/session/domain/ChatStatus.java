package io.chatroute.session.domain;

/** The states of a chat as the edge sees them. */
public enum ChatStatus {
    QUEUED, OFFERED, ACTIVE, CLOSED, OFFLINE;

    public boolean isOpen() {
        return this != CLOSED;
    }

    public static ChatStatus parse(String s) {
        return s == null || s.isEmpty() ? null : valueOf(s);
    }
}
