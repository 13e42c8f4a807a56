package io.chatroute.loadtest;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;

/**
 * What the recovery check waits for: every record published at least {@code settle} before has been consumed and
 * committed. A lag of 0 at one instant is the wrong test for a topic that keeps receiving records on purpose:
 * routing publishes {@code stats.updated} every second while a chat waits (its {@code longestWaitSeconds} changes),
 * and a group with SmallRye's throttled commit strategy commits every 5 s (Kafka's {@code auto.commit.interval.ms}), so
 * its committed lag saw-tooths between 0 and about 5 records; when both timers keep the same phase it never reads 0.
 * A consumer that falls behind, or whose lag grows, still fails: it has not consumed what was published
 * {@code settle} ago.
 */
final class Backlog {

    private record Ends(long nanos, Map<TopicPartition, Long> offsets) {
    }

    private final long settleNanos;
    private final Deque<Ends> seen = new ArrayDeque<>();

    Backlog(long settleNanos) {
        this.settleNanos = settleNanos;
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
     * Whether {@code group}, measured at {@code nanos}, has consumed everything: its lag is 0, or its committed offset
     * on each partition reaches the end offset read {@code settle} or more before (false while no such read exists).
     */
    boolean drained(ConsumerLag.GroupLag group, long nanos) {
        if (group.lag() == 0) {
            return true;
        }
        Ends old = null;
        for (Ends e : seen) {
            if (e.nanos() <= nanos - settleNanos) {
                old = e;
            }
        }
        if (old == null) {
            return false;
        }
        for (Map.Entry<TopicPartition, Long> c : group.committed().entrySet()) {
            Long end = old.offsets().get(c.getKey());
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
