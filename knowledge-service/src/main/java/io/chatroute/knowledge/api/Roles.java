package io.chatroute.knowledge.api;

/** Role names from the JWT {@code groups} claim. */
public final class Roles {
    public static final String ADMIN = "admin";
    public static final String AGENT = "agent";
    public static final String SUPERVISOR = "supervisor";
    public static final String PLATFORM = "platform";

    private Roles() {
    }
}
