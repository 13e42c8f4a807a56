package io.chatroute.history.domain;

/** An agent as announced by routing-service in {@code chat.assigned}. */
public record AgentRef(String id, String displayName, String title, String avatarUrl) {
}
