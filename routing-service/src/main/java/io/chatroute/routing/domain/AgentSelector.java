package io.chatroute.routing.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks the best agent for a chat: eligible = AVAILABLE, every required skill at its level, active &lt; max,
 * not excluded; best = fewest active chats, then highest sum of required skill levels, then longest since the
 * last assignment, then agent id.
 */
public final class AgentSelector {

    /** One agent as considered. {@code rank} is 1 for the chosen agent, 0 for the ineligible. */
    public record Candidate(String agentId, boolean eligible, String reason, int active, int max, int skillScore,
                            long lastAssignedAt, int rank) {
    }

    /** The outcome, with every candidate and the criterion that separated the winner from the runner-up. */
    public record Selection(String agentId, Map<String, Integer> requiredSkills, List<Candidate> candidates, String tieBreak) {
        public boolean found() {
            return agentId != null;
        }
    }

    public static final Comparator<Candidate> ORDER = Comparator.comparingInt(Candidate::active)
            .thenComparing(Comparator.comparingInt(Candidate::skillScore).reversed())
            .thenComparingLong(Candidate::lastAssignedAt)
            .thenComparing(Candidate::agentId);

    private AgentSelector() {
    }

    public static Selection select(Map<String, Integer> required, Collection<AgentSnapshot> agents, Set<String> excluded) {
        Map<String, Integer> req = required == null ? Map.of() : required;
        List<Candidate> eligible = new ArrayList<>();
        List<Candidate> ineligible = new ArrayList<>();
        for (AgentSnapshot a : agents) {
            int score = Skills.score(a.skills(), req);
            String why = null;
            if (a.status() != Presence.AVAILABLE) {
                why = "status " + a.status();
            } else if (!Skills.satisfies(a.skills(), req)) {
                why = "lacks required skills " + missing(a.skills(), req);
            } else if (a.active() >= a.max()) {
                why = "at capacity " + a.active() + "/" + a.max();
            } else if (excluded != null && excluded.contains(a.id())) {
                why = "recently declined or missed this chat";
            }
            Candidate c = new Candidate(a.id(), why == null, why == null ? "eligible" : why, a.active(), a.max(), score, a.lastAssignedAt(), 0);
            (why == null ? eligible : ineligible).add(c);
        }
        eligible.sort(ORDER);
        List<Candidate> all = new ArrayList<>();
        for (int i = 0; i < eligible.size(); i++) {
            Candidate c = eligible.get(i);
            all.add(new Candidate(c.agentId(), true, c.reason(), c.active(), c.max(), c.skillScore(), c.lastAssignedAt(), i + 1));
        }
        ineligible.sort(Comparator.comparing(Candidate::agentId));
        all.addAll(ineligible);
        if (eligible.isEmpty()) {
            return new Selection(null, req, all, "no eligible agent");
        }
        return new Selection(eligible.getFirst().agentId(), req, all, tieBreak(eligible));
    }

    static String tieBreak(List<Candidate> sorted) {
        if (sorted.size() == 1) {
            return "only eligible agent";
        }
        Candidate a = sorted.get(0);
        Candidate b = sorted.get(1);
        if (a.active() != b.active()) {
            return "fewest active chats (" + a.active() + " vs " + b.active() + ")";
        }
        if (a.skillScore() != b.skillScore()) {
            return "highest skill score (" + a.skillScore() + " vs " + b.skillScore() + ")";
        }
        if (a.lastAssignedAt() != b.lastAssignedAt()) {
            return "longest since last assignment";
        }
        return "agent id (stable tie-break)";
    }

    private static List<String> missing(Map<String, Integer> has, Map<String, Integer> req) {
        return req.entrySet().stream()
                .filter(r -> has == null || has.get(r.getKey()) == null || has.get(r.getKey()) < r.getValue())
                .map(r -> r.getKey() + ">=" + r.getValue()).sorted().toList();
    }

    /** Estimated wait (foundation): position x 60 s / max(1, free slots of the eligible agents). */
    public static long estimatedWaitSeconds(long position, long freeSlots) {
        return position * 60 / Math.max(1, freeSlots);
    }

    /** Free slots (max - active) of AVAILABLE agents holding the required skills. */
    public static long freeSlots(Map<String, Integer> required, Collection<AgentSnapshot> agents) {
        return agents.stream().filter(a -> a.status() == Presence.AVAILABLE && Skills.satisfies(a.skills(), required))
                .mapToLong(a -> Math.max(0, a.max() - a.active())).sum();
    }

    /** Agents not OFFLINE holding the required skills. */
    public static int agentsAble(Map<String, Integer> required, Collection<AgentSnapshot> agents) {
        return (int) agents.stream().filter(a -> a.status() != Presence.OFFLINE && Skills.satisfies(a.skills(), required)).count();
    }
}
