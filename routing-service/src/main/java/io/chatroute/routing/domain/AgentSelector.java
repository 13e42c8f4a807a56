package io.chatroute.routing.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one routing decision: which agent gets a chat. Pure, no I/O, so a benchmark can call it directly with any
 * number of agents.
 * <ul>
 * <li>eligible = AVAILABLE, every required skill at its level, {@code active < max}, not blocked (an agent who
 * declined or missed this chat within the cool-down);</li>
 * <li>best = not avoided (an agent who declined, missed or transferred this chat is offered it again only when nobody
 * else eligible can take it), then fewest active chats, then highest sum of the required skills' levels, then longest
 * since the last assignment, then agent id (stable).</li>
 * </ul>
 * {@link #indexScore} is the same order as a number, used by the candidate index (a sorted set per routing target) so
 * that the index's first entries are the ones this function would rank first.
 */
public final class AgentSelector {

    /** One agent as considered. {@code rank} is 1 for the chosen agent, 0 for the ineligible. */
    public record Candidate(String agentId, boolean eligible, String reason, int active, int max, int skillScore,
                            long lastAssignedAt, int rank, boolean avoided) {
        public Candidate(String agentId, boolean eligible, String reason, int active, int max, int skillScore, long lastAssignedAt,
                         int rank) {
            this(agentId, eligible, reason, active, max, skillScore, lastAssignedAt, rank, false);
        }
    }

    /** The outcome, with every candidate and the criterion that separated the winner from the runner-up. */
    public record Selection(String agentId, Map<String, Integer> requiredSkills, List<Candidate> candidates, String tieBreak) {
        public boolean found() {
            return agentId != null;
        }

        /** True when the winner is an agent who declined, missed or transferred this chat before (nobody else could take it). */
        public boolean winnerAvoided() {
            return found() && candidates.stream().anyMatch(c -> c.rank() == 1 && c.avoided());
        }
    }

    public static final Comparator<Candidate> ORDER = Comparator.comparing(Candidate::avoided)
            .thenComparingInt(Candidate::active)
            .thenComparing(Comparator.comparingInt(Candidate::skillScore).reversed())
            .thenComparingLong(Candidate::lastAssignedAt)
            .thenComparing(Candidate::agentId);

    /** Epoch of {@link #indexScore}'s time part: 2024-01-01T00:00:00Z in ms. */
    public static final long INDEX_EPOCH = 1_704_067_200_000L;
    private static final long TIME_SPAN = 1L << 41; // ms: about 69 years from INDEX_EPOCH
    private static final int MAX_SCORE_PART = 511;

    private AgentSelector() {
    }

    /** As {@link #select(Map, Collection, Set, Set)} with nobody avoided; {@code excluded} are not eligible. */
    public static Selection select(Map<String, Integer> required, Collection<AgentSnapshot> agents, Set<String> excluded) {
        return select(required, agents, Set.of(), excluded);
    }

    /**
     * Chooses the agent for one chat.
     *
     * @param avoided agents who declined, missed or transferred this chat: eligible, but ranked after everybody else
     * @param blocked agents not eligible for this chat now (declined or missed it within the cool-down)
     */
    public static Selection select(Map<String, Integer> required, Collection<AgentSnapshot> agents, Set<String> avoided,
                                   Set<String> blocked) {
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
            } else if (blocked != null && blocked.contains(a.id())) {
                why = "recently declined or missed this chat";
            }
            boolean avoid = avoided != null && avoided.contains(a.id());
            Candidate c = new Candidate(a.id(), why == null, why == null ? (avoid ? "eligible (declined, missed or transferred this chat)"
                    : "eligible") : why, a.active(), a.max(), score, a.lastAssignedAt(), 0, avoid);
            (why == null ? eligible : ineligible).add(c);
        }
        eligible.sort(ORDER);
        List<Candidate> all = new ArrayList<>(eligible.size() + ineligible.size());
        for (int i = 0; i < eligible.size(); i++) {
            Candidate c = eligible.get(i);
            all.add(new Candidate(c.agentId(), true, c.reason(), c.active(), c.max(), c.skillScore(), c.lastAssignedAt(), i + 1, c.avoided()));
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
            return sorted.getFirst().avoided() ? "only eligible agent (declined, missed or transferred this chat before)"
                    : "only eligible agent";
        }
        Candidate a = sorted.get(0);
        Candidate b = sorted.get(1);
        if (a.avoided() != b.avoided()) {
            return "not offered this chat before (" + b.agentId() + " declined, missed or transferred it)";
        }
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

    /**
     * The candidate index's score of an eligible agent: fewest active first, then highest skill score, then longest
     * since the last assignment, as one exact double (active x 2^50 + (511 - skillScore) x 2^41 + ms since
     * {@link #INDEX_EPOCH}, every part clamped, so the sum stays below 2^53). Equal scores sort by member (agent id),
     * so the index order is {@link #ORDER} for agents nobody avoids.
     */
    public static long indexScore(int active, int skillScore, long lastAssignedAt) {
        long a = Math.max(0, Math.min(7, active));
        long s = MAX_SCORE_PART - Math.max(0, Math.min(MAX_SCORE_PART, skillScore));
        long t = Math.max(0, Math.min(TIME_SPAN - 1, lastAssignedAt - INDEX_EPOCH));
        return (a << 50) + (s << 41) + t;
    }

    private static List<String> missing(Map<String, Integer> has, Map<String, Integer> req) {
        return req.entrySet().stream()
                .filter(r -> has == null || has.get(r.getKey()) == null || has.get(r.getKey()) < r.getValue())
                .map(r -> r.getKey() + ">=" + r.getValue()).sorted().toList();
    }

    /** Estimated wait (foundation, kept for reference): position x 60 s / max(1, free slots). See {@link WaitEstimator}. */
    public static long estimatedWaitSeconds(long position, long freeSlots) {
        return position * 60 / Math.max(1, freeSlots);
    }

    /** Free slots (max - active) of AVAILABLE agents holding the required skills. */
    public static long freeSlots(Map<String, Integer> required, Collection<AgentSnapshot> agents) {
        return agents.stream().filter(a -> a.status() == Presence.AVAILABLE && Skills.satisfies(a.skills(), required))
                .mapToLong(a -> Math.max(0, a.max() - a.active())).sum();
    }

    /** Slots (max) of AVAILABLE agents holding the required skills (the servers of the wait estimate). */
    public static long slots(Map<String, Integer> required, Collection<AgentSnapshot> agents) {
        return agents.stream().filter(a -> a.status() == Presence.AVAILABLE && Skills.satisfies(a.skills(), required))
                .mapToLong(AgentSnapshot::max).sum();
    }

    /** Agents not OFFLINE holding the required skills. */
    public static int agentsAble(Map<String, Integer> required, Collection<AgentSnapshot> agents) {
        return (int) agents.stream().filter(a -> a.status() != Presence.OFFLINE && Skills.satisfies(a.skills(), required)).count();
    }
}
