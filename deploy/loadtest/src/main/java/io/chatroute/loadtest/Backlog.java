package io.chatroute.loadtest;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;

/**
 * What the recovery check waits for: every consumer group has consumed (and committed) everything on the event topics,
 * and on a periodic feed ({@code stats-events}) everything published at least {@code settle} before. A lag of 0 at one
 * read is the wrong test for a feed that keeps publishing on purpose: routing publishes {@code stats.updated} every
 * second while a chat waits (its {@code longestWaitSeconds} changes), and a group with SmallRye's throttled commit
 * strategy commits every 5 s (Kafka's {@code auto.commit.interval.ms}), so its committed lag on the feed saw-tooths
 * between 1 and about 6 and, with both timers keeping their phase, never reads 0. The event topics must reach lag 0: a
 * system still publishing chat events after the load stopped (closes, late starts, re-offers) is not idle yet.
 */
final class Backlog {

    private record Ends(long nanos, Map<TopicPartition, Long> offsets) {
    }

    private final long settleNanos;
    private final Set<String> feeds;
    private final Deque<Ends> seen = new ArrayDeque<>();

    Backlog(long settleNanos, Set<String> feeds) {
        this.settleNanos = settleNanos;
        this.feeds = Set.copyOf(feeds);
    }

    /** The partitions' end offsets as read at {@code nanos} (in increasing time). */
    void saw(long nanos, Map<TopicPartition, Long> ends) {
        seen.addLast(new Ends(nanos, Map.copyOf(ends)));
        // keep one snapshot at or before any "now - settle" still to come: drop those a later one already covers
        while (seen.size() > 1) {
            var it = seen.iterator();
            it.next();
            if (it.next().nanos() <= nanos - settleNanos) {
                seen.removeFirst();
            } else {
                break;
            }
        }
    }

    /**
     * Whether {@code group}, measured at {@code nanos} (after the last {@link #saw}), has drained: its lag is 0, or on
     * each partition its committed offset reaches the end offset of the last read, or on a feed's partition the end
     * offset read {@code settle} or more before (the last read while there is none that old).
     */
    boolean drained(ConsumerLag.GroupLag group, long nanos) {
        if (group.lag() == 0) {
            return true;
        }
        if (seen.isEmpty()) {
            return false;
        }
        Ends latest = seen.peekLast();
        Ends old = null;
        for (Ends e : seen) {
            if (e.nanos() <= nanos - settleNanos) {
                old = e;
            }
        }
        for (Map.Entry<TopicPartition, Long> c : group.committed().entrySet()) {
            Ends against = feeds.contains(c.getKey().topic()) && old != null ? old : latest;
            Long end = against.offsets().get(c.getKey());
            if (end != null && c.getValue() < end) {
                return false;
            }
        }
        return true;
    }

    /** Every group in {@code groups} {@link #drained}. */
    boolean drained(Collection<ConsumerLag.GroupLag> groups, long nanos) {
        return groups.stream().allMatch(g -> drained(g, nanos));
    }
}
