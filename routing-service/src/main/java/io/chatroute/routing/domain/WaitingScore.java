package io.chatroute.routing.domain;

/**
 * A waiting chat's score in its queue's sorted set: lower is served first. Higher priority first, then oldest first
 * (the chat's original enqueue time, kept across declines, timeouts, overflow and transfers); chats re-queued because
 * their agent went away come before all others (the front band), among themselves oldest first. Equal scores are
 * ordered by chat id (Redis orders equal scores by member), so ties are deterministic.
 * <p>
 * score = band x 2^45 + ms since {@link AgentSelector#INDEX_EPOCH}; band 0 = front, else 128 - priority (priority
 * clamped to 0..127). Below 2^53, so exact as a double.
 */
public final class WaitingScore {
    public static final int MAX_PRIORITY = 127;
    private static final long TIME_SPAN = 1L << 45;

    private WaitingScore() {
    }

    public static long of(int priority, long enqueuedAtMillis, boolean front) {
        long band = front ? 0 : 128 - Math.max(0, Math.min(MAX_PRIORITY, priority));
        long t = Math.max(0, Math.min(TIME_SPAN - 1, enqueuedAtMillis - AgentSelector.INDEX_EPOCH));
        return band * TIME_SPAN + t;
    }
}
