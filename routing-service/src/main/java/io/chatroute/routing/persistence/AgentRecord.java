package io.chatroute.routing.persistence;

import io.chatroute.routing.domain.AgentProfile;
import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.Presence;

/** An agent as stored in {@code routing:agent:<id>}. */
public record AgentRecord(String id, AgentProfile profile, Presence status, int active, int max, long lastAssignedAt, long statusSince) {
    public AgentSnapshot snapshot() {
        return new AgentSnapshot(id, status, active, max, profile.skillsOrEmpty(), lastAssignedAt);
    }
}
