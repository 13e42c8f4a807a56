package io.chatroute.routing.domain;

import java.util.Map;

/** An agent's routing-relevant state at one moment. {@code lastAssignedAt} is epoch ms (0 = never). */
public record AgentSnapshot(String id, Presence status, int active, int max, Map<String, Integer> skills, long lastAssignedAt) {
}
