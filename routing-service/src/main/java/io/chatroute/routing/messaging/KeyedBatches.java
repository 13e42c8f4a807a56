package io.chatroute.routing.messaging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Predicate;

import io.smallrye.mutiny.Uni;

/**
 * Applies one consumed batch grouped by record key (a chat or an agent): each key's records one by one in their
 * order, different keys at the same time (at most {@code threads} keys in flight). Most of a record's time is Redis
 * round trips, so a batch then costs about as many of them as its busiest key instead of the sum over all keys. The
 * batch is done when every record was applied (it is acknowledged after it, and the partitions' next batch starts after
 * it: a key's order holds across batches); the first failure is passed on after all keys finished, so the batch is
 * consumed again.
 * <p>
 * A record's handler is either non-blocking (a {@link Uni} of Redis calls answered on the event loop) or blocking, run
 * on this class's pool of {@code threads} threads ({@link #blocking}).
 */
final class KeyedBatches {
    private final ExecutorService pool;
    private final int threads;

    KeyedBatches(String threadName, int threads, boolean virtual) {
        this.threads = Math.max(1, threads);
        this.pool = Executors.newFixedThreadPool(this.threads, WorkerThreads.named(threadName + "-", virtual));
    }

    /** The batch, each record's handler a non-blocking step started after the key's record before it ended. */
    <R> Uni<Void> applyAsync(Iterable<R> records, Function<R, String> key, Predicate<R> wanted, Function<R, Uni<Void>> handler) {
        Map<String, List<R>> byKey = new LinkedHashMap<>();
        for (R r : records) {
            if (wanted.test(r)) {
                String k = key.apply(r);
                byKey.computeIfAbsent(k == null ? "" : k, x -> new ArrayList<>()).add(r);
            }
        }
        if (byKey.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Optional<Throwable>>> keys = new ArrayList<>(byKey.size());
        for (List<R> list : byKey.values()) {
            Uni<Void> inOrder = Uni.createFrom().voidItem();
            for (R r : list) {
                inOrder = inOrder.chain(() -> handler.apply(r));
            }
            keys.add(inOrder.map(done -> Optional.<Throwable>empty()).onFailure().recoverWithItem(Optional::of));
        }
        return Uni.join().all(keys).usingConcurrencyOf(threads).andFailFast().chain(failures -> {
            for (Optional<Throwable> f : failures) {
                if (f.isPresent()) {
                    return Uni.createFrom().failure(f.get());
                }
            }
            return Uni.createFrom().voidItem();
        });
    }

    /** A blocking step, run on the pool. */
    Uni<Void> blocking(Runnable step) {
        return Uni.createFrom().<Void>item(() -> {
            step.run();
            return null;
        }).runSubscriptionOn(pool);
    }

    void shutdown() {
        pool.shutdown();
    }
}
