package io.chatroute.routing.domain;

import java.util.Collection;
import java.util.Map;

/**
 * The figures of {@code GET /api/v1/stats/live}, computed from what the store read in a few round trips: per queue
 * its waiting set and today's counters, per agent its hash.
 */
public final class LiveStats {

    private LiveStats() {
    }

    /**
     * What Redis holds about one queue now: the waiting chats ({@code oldestEnqueuedAt} epoch ms of the oldest, 0 when
     * none) and the UTC day's counters kept by accept.lua and close.lua.
     */
    public record QueueState(long waiting, long oldestEnqueuedAt, long answered, long answeredWithinTarget, long abandoned,
                             long answerWaitMillis) {
        public static final QueueState EMPTY = new QueueState(0, 0, 0, 0, 0, 0);
    }

    /** One queue as shown. {@code serviceLevel} and {@code averageAnswerSeconds} are null before the first answer of the day. */
    public record QueueView(String queueId, String name, boolean open, long waiting, long longestWaitSeconds, long estimatedWaitSeconds,
                            int agentsAvailable, int agentsAble, long freeSlots, Double serviceLevel, int serviceLevelTargetSeconds,
                            long answeredToday, long answeredWithinTargetToday, long abandonedToday, Double averageAnswerSeconds) {
    }

    /** A queue's recent history and the estimate's settings (see {@link WaitEstimator}). */
    public record History(long answersInWindow, long arrivalsInWindow, long windowSeconds, double averageHandleSeconds, long handleSamples,
                          double defaultHandleSeconds, int minAnswers, int minHandleSamples) {
        public static final History NONE = new History(0, 0, 900, 0, 0, 300, 5, 3);
    }

    public static QueueView queue(QueueDefinition q, boolean open, QueueState s, Collection<AgentSnapshot> agents, long nowMillis) {
        return queue(q, open, s, agents, nowMillis, History.NONE);
    }

    /**
     * One queue's figures. {@code estimatedWaitSeconds} is what a chat starting now is told: {@link WaitEstimator} at
     * position waiting + 1, with the queue's own skills (as evaluation does for a chat of that queue's bare target).
     */
    public static QueueView queue(QueueDefinition q, boolean open, QueueState s, Collection<AgentSnapshot> agents, long nowMillis,
                                  History h) {
        Map<String, Integer> required = q.requiredSkills() == null ? Map.of() : q.requiredSkills();
        long free = AgentSelector.freeSlots(required, agents);
        long busy = agents.stream().filter(a -> a.status() != Presence.OFFLINE && Skills.satisfies(a.skills(), required))
                .mapToLong(AgentSnapshot::active).sum();
        WaitEstimator.Curve curve = WaitEstimator.curve(new WaitEstimator.Inputs(free, AgentSelector.slots(required, agents), busy,
                h.answersInWindow(), h.arrivalsInWindow(), h.windowSeconds(), h.averageHandleSeconds(), h.handleSamples(),
                h.defaultHandleSeconds(), h.minAnswers(), h.minHandleSamples()));
        int available = (int) agents.stream().filter(a -> a.status() == Presence.AVAILABLE && a.active() < a.max()
                && Skills.satisfies(a.skills(), required)).count();
        long longest = s.waiting() == 0 || s.oldestEnqueuedAt() <= 0 ? 0 : Math.max(0, (nowMillis - s.oldestEnqueuedAt()) / 1000);
        Double sl = s.answered() == 0 ? null : round(Math.min(1.0, (double) s.answeredWithinTarget() / s.answered()), 4);
        Double asa = s.answered() == 0 ? null : round(s.answerWaitMillis() / 1000.0 / s.answered(), 1);
        return new QueueView(q.id(), q.name(), open, s.waiting(), longest, curve.secondsAt(s.waiting() + 1),
                available, AgentSelector.agentsAble(required, agents), free, sl, q.serviceLevelTarget(), s.answered(),
                s.answeredWithinTarget(), s.abandoned(), asa);
    }

    /**
     * Whole seconds an agent has been idle: AVAILABLE with no chat offered or assigned, counted from the latest of
     * becoming AVAILABLE ({@code statusSince}), the last offer ({@code lastAssignedAt}) and the moment the load last
     * dropped to zero ({@code idleSince}: a close, a decline or an offer timeout); 0 while not AVAILABLE or holding a
     * chat. Times are epoch ms, 0 = never.
     */
    public static long idleSeconds(Presence status, int active, long statusSince, long lastAssignedAt, long idleSince, long nowMillis) {
        if (status != Presence.AVAILABLE || active > 0) {
            return 0;
        }
        long from = Math.max(statusSince, Math.max(lastAssignedAt, idleSince));
        return from <= 0 ? 0 : Math.max(0, (nowMillis - from) / 1000);
    }

    private static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }
}
