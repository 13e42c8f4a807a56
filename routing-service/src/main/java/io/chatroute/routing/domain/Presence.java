package io.chatroute.routing.domain;

/** An agent's presence. */
public enum Presence {
    AVAILABLE, AWAY, OFFLINE;

    public static Presence parse(String s) {
        if (s == null) {
            return null;
        }
        for (Presence p : values()) {
            if (p.name().equals(s)) {
                return p;
            }
        }
        return null;
    }
}
