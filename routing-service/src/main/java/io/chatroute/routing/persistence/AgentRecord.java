package io.chatroute.routing.persistence;

import io.chatroute.routing.domain.AgentProfile;
import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.Presence;

/**
 * An agent as stored in its hash. Times are epoch ms (0 = never): {@code lastAssignedAt} the last offer,
 * {@code statusSince} the last presence change, {@code idleSince} the last time the load dropped to zero,
 * {@code graceUntil} the end of a disconnect grace period (0 = none).
 */
public record AgentRecord(String id, AgentProfile profile, Presence status, int active, int max, long lastAssignedAt, long statusSince,
                          long idleSince, long graceUntil) {
    public AgentSnapshot snapshot() {
        return new AgentSnapshot(id, graceUntil > 0 && status == Presence.AVAILABLE ? Presence.AWAY : status, active, max,
                profile.skillsOrEmpty(), lastAssignedAt);
    }
}
