package io.chatroute.routing.persistence;

import java.util.List;
import java.util.Map;

import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.Presence;

/**
 * An agent's routing state as an agent script left it (the last seven values of its result): what the candidate
 * indexes are updated from. {@code ver} rises with every change of the agent, so an index never takes an older
 * state over a newer one. {@code grace}: in a disconnect grace period (no offers).
 */
public record AgentState(String agentId, Presence status, int active, int max, long lastAssignedAt, long ver,
                         Map<String, Integer> skills, boolean grace) {
    public static final int TAIL = 7;

    static AgentState fromTail(String agentId, List<String> values, RoutingStore store) {
        int n = values.size();
        if (n < TAIL) {
            return null;
        }
        List<String> t = values.subList(n - TAIL, n);
        Presence p = Presence.parse(t.get(0));
        return new AgentState(agentId, p == null ? Presence.OFFLINE : p, (int) num(t.get(1)), (int) num(t.get(2)), num(t.get(3)),
                num(t.get(4)), store.readSkills(t.get(5)), t.get(6) != null && !t.get(6).isEmpty());
    }

    /** True when the agent may be offered a chat now (the candidate index holds exactly these). */
    public boolean offerable() {
        return status == Presence.AVAILABLE && !grace && active < max;
    }

    public AgentSnapshot snapshot() {
        return new AgentSnapshot(agentId, grace && status == Presence.AVAILABLE ? Presence.AWAY : status, active, max, skills,
                lastAssignedAt);
    }

    private static long num(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        return (long) Double.parseDouble(s);
    }
}
