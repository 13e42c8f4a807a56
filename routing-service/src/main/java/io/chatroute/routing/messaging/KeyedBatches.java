package io.chatroute.routing.messaging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Applies one consumed batch grouped by record key (a chat or an agent): each key's records one by one in their
 * order, different keys at the same time on a fixed pool. Most of a record's time is Redis round trips, so a batch
 * then costs about as many of them as its busiest key instead of the sum over all keys. It returns when every record
 * was applied (the batch is acknowledged after it, and the partitions' next batch starts after it: a key's order
 * holds across batches); the first failure is rethrown after all keys finished, so the batch is consumed again.
 */
final class KeyedBatches {
    private final ExecutorService pool;

    KeyedBatches(String threadName, int threads, boolean virtual) {
        this.pool = Executors.newFixedThreadPool(Math.max(1, threads), WorkerThreads.named(threadName + "-", virtual));
    }

    <R> void apply(Iterable<R> records, Function<R, String> key, Predicate<R> wanted, Consumer<R> handler) {
        Map<String, List<R>> byKey = new LinkedHashMap<>();
        for (R r : records) {
            if (wanted.test(r)) {
                String k = key.apply(r);
                byKey.computeIfAbsent(k == null ? "" : k, x -> new ArrayList<>()).add(r);
            }
        }
        if (byKey.size() <= 1) {
            byKey.values().forEach(list -> list.forEach(handler));
            return;
        }
        List<Future<?>> running = new ArrayList<>(byKey.size());
        List<R> first = null;
        for (List<R> list : byKey.values()) {
            if (first == null) {
                first = list; // applied on this thread: one hand-over fewer (what a light load's batches mostly are)
            } else {
                running.add(pool.submit(() -> list.forEach(handler)));
            }
        }
        RuntimeException failure = null;
        try {
            first.forEach(handler);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while applying a batch", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    void shutdown() {
        pool.shutdown();
    }
}
