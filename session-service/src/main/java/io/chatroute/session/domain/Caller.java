package io.chatroute.session.domain;

import java.util.Set;

/** Who is calling: a visitor holding one chat's token, or a JWT subject with roles. */
public record Caller(String id, Set<String> roles, String visitorChatId) {

    public static final String VISITOR = "visitor";
    public static final String AGENT = "agent";
    public static final String PLATFORM = "platform";
    public static final String ADMIN = "admin";
    public static final String SUPERVISOR = "supervisor";

    public boolean isVisitor() {
        return roles.contains(VISITOR);
    }

    public boolean has(String role) {
        return roles.contains(role);
    }

    /** Visitors see only their chat; staff and platforms see every chat. */
    public boolean mayRead(String chatId) {
        if (isVisitor()) {
            return chatId.equals(visitorChatId);
        }
        return has(PLATFORM) || has(ADMIN) || has(SUPERVISOR) || has(AGENT);
    }

    /** Supervisors, admins and platforms see every chat; an agent only those offered or assigned to them. */
    public boolean mayReadAnyChat() {
        return has(PLATFORM) || has(ADMIN) || has(SUPERVISOR);
    }

    /** Posting over REST: the chat's own visitor, or a platform (bridge). */
    public boolean mayPostViaRest(String chatId) {
        return isVisitor() ? chatId.equals(visitorChatId) : has(PLATFORM);
    }

    /** Closing over REST: own visitor, a platform/admin/supervisor, or an agent (the store checks the assignment). */
    public boolean mayClose(String chatId) {
        if (isVisitor()) {
            return chatId.equals(visitorChatId);
        }
        return has(PLATFORM) || has(ADMIN) || has(SUPERVISOR) || has(AGENT);
    }

    /** Who a close is attributed to in chat.closed. */
    public String closedBy() {
        if (isVisitor()) {
            return "visitor";
        }
        if (has(PLATFORM) || has(ADMIN) || has(SUPERVISOR)) {
            return "system";
        }
        return "agent";
    }
}
