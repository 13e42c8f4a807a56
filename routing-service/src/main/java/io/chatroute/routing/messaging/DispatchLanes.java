package io.chatroute.routing.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Where dispatch passes wait for their turn: one pass at a time per lane (a queue always in the same lane), the next one
 * chosen by its queue's priority, not by arrival. When an agent frees a slot, the pass of its higher-priority queue
 * runs before a lower-priority queue's pass that was asked for earlier (by a sweep, a chat start), so the agent is
 * offered the chat its priorities say. A pass that waited {@code aging} or longer goes first whatever its priority
 * (the oldest first): a queue asked for all the time cannot keep the others' passes from running, and an agent who
 * serves only a low-priority queue still gets its chats.
 * <p>
 * A pass is a non-blocking operation ({@link Uni}); no thread waits while it runs. The next pass starts on the thread
 * that ended the one before. Each queue has at most one pass waiting (the {@link Dispatcher} coalesces requests).
 */
final class DispatchLanes {

    private record Waiting(String queueId, int priority, long seq, long since, Supplier<Uni<Void>> pass) {
    }

    private static final class Lane {
        final List<Waiting> ready = new ArrayList<>();
        final AtomicInteger wip = new AtomicInteger();
        boolean running;
        long seq;
    }

    private final Lane[] lanes;
    private final long agingNanos;
    private final LongSupplier nanoClock;

    DispatchLanes(int lanes, long agingNanos, LongSupplier nanoClock) {
        this.lanes = new Lane[Math.max(1, lanes)];
        for (int i = 0; i < this.lanes.length; i++) {
            this.lanes[i] = new Lane();
        }
        this.agingNanos = agingNanos;
        this.nanoClock = nanoClock;
    }

    /** Runs {@code pass} when its lane is free and it is the one to go next. The pass must not fail (a failure frees the lane). */
    void submit(String queueId, int priority, Supplier<Uni<Void>> pass) {
        Lane lane = lanes[Math.floorMod(queueId.hashCode(), lanes.length)];
        synchronized (lane) {
            lane.ready.add(new Waiting(queueId, priority, lane.seq++, nanoClock.getAsLong(), pass));
        }
        pump(lane);
    }

    /** Starts the next pass while the lane is free; a pass that ends at once does not nest the next one in its stack. */
    private void pump(Lane lane) {
        if (lane.wip.getAndIncrement() != 0) {
            return; // the loop below, further up this or another thread's stack, goes round once more
        }
        do {
            Waiting next;
            synchronized (lane) {
                next = lane.running ? null : next(lane.ready, nanoClock.getAsLong(), agingNanos);
                if (next != null) {
                    lane.ready.remove(next);
                    lane.running = true;
                }
            }
            if (next != null) {
                Uni<Void> pass;
                try {
                    pass = next.pass().get();
                } catch (RuntimeException e) {
                    pass = Uni.createFrom().failure(e);
                }
                pass.subscribe().with(done -> ended(lane), failure -> ended(lane));
            }
        } while (lane.wip.decrementAndGet() != 0);
    }

    private void ended(Lane lane) {
        synchronized (lane) {
            lane.running = false;
        }
        pump(lane);
    }

    /** The queue ids waiting in the lane of {@code queueId}, in the order they would run now (tests). */
    List<String> waiting(String queueId) {
        Lane lane = lanes[Math.floorMod(queueId.hashCode(), lanes.length)];
        synchronized (lane) {
            List<Waiting> left = new ArrayList<>(lane.ready);
            List<String> out = new ArrayList<>();
            long now = nanoClock.getAsLong();
            while (!left.isEmpty()) {
                Waiting w = next(left, now, agingNanos);
                left.remove(w);
                out.add(w.queueId());
            }
            return out;
        }
    }

    /** The oldest pass when it waited {@code aging} or longer, else the highest priority (the oldest among equals). */
    private static Waiting next(List<Waiting> ready, long now, long agingNanos) {
        Waiting oldest = null;
        Waiting best = null;
        for (Waiting w : ready) {
            if (oldest == null || w.seq() < oldest.seq()) {
                oldest = w;
            }
            if (best == null || w.priority() > best.priority() || w.priority() == best.priority() && w.seq() < best.seq()) {
                best = w;
            }
        }
        if (oldest != null && now - oldest.since() >= agingNanos) {
            return oldest;
        }
        return best;
    }
}
