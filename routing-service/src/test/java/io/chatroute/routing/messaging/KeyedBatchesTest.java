package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.smallrye.mutiny.Uni;

/**
 * A batch's records: each key's in order, different keys at the same time, the batch done only when all are; on platform
 * threads (the default) and on virtual threads ({@code chatroute.routing.virtual-threads}).
 */
class KeyedBatchesTest {
    record Rec(String key, int n) {
    }

    /** The batch with a blocking handler per record (run on the pool), waited for here. */
    private static void apply(KeyedBatches batches, List<Rec> records, Function<Rec, String> key, Predicate<Rec> wanted,
                              Consumer<Rec> handler) {
        batches.applyAsync(records, key, wanted, r -> batches.blocking(() -> handler.accept(r))).await().indefinitely();
    }

    @ParameterizedTest(name = "virtual threads: {0}")
    @ValueSource(booleans = {false, true})
    void eachKeyInOrderAndUnwantedSkipped(boolean virtual) {
        KeyedBatches batches = new KeyedBatches("test", 8, virtual);
        List<Rec> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            batch.add(new Rec("k" + i % 7, i));
        }
        batch.add(new Rec(null, 1000));
        batch.add(new Rec("skip", -1));
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        apply(batches, batch, Rec::key, r -> r.n() >= 0,
                r -> seen.computeIfAbsent(String.valueOf(r.key()), k -> Collections.synchronizedList(new ArrayList<>())).add(r.n()));
        assertThat(seen).hasSize(8).doesNotContainKey("skip");
        for (int k = 0; k < 7; k++) {
            List<Integer> got = seen.get("k" + k);
            assertThat(got).hasSize(k < 6 ? 43 : 42).isSorted();
        }
        assertThat(seen.get("null")).containsExactly(1000);
    }

    @ParameterizedTest(name = "virtual threads: {0}")
    @ValueSource(booleans = {false, true})
    void keysRunAtTheSameTime(boolean virtual) {
        KeyedBatches batches = new KeyedBatches("test", 8, virtual);
        // four keys that each wait for all four to have started: only possible when they run at the same time
        CountDownLatch started = new CountDownLatch(4);
        AtomicInteger done = new AtomicInteger();
        apply(batches, List.of(new Rec("a", 1), new Rec("b", 2), new Rec("c", 3), new Rec("d", 4)), Rec::key, r -> true, r -> {
            started.countDown();
            try {
                assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            done.incrementAndGet();
        });
        assertThat(done.get()).isEqualTo(4);
    }

    @Test
    void nonBlockingHandlersKeepEachKeysOrderWhateverOrderTheyEndIn() {
        KeyedBatches batches = new KeyedBatches("test", 8, false);
        // each record's step ends only when the test ends it
        Map<Integer, CompletableFuture<Void>> steps = new ConcurrentHashMap<>();
        List<Integer> started = Collections.synchronizedList(new ArrayList<>());
        List<Rec> batch = List.of(new Rec("a", 1), new Rec("b", 2), new Rec("a", 3), new Rec("b", 4), new Rec("a", 5));
        CompletableFuture<Void> done = batches.applyAsync(batch, Rec::key, r -> true, r -> {
            started.add(r.n());
            return Uni.createFrom().completionStage(steps.computeIfAbsent(r.n(), n -> new CompletableFuture<>()));
        }).subscribeAsCompletionStage().toCompletableFuture();
        assertThat(started).containsExactlyInAnyOrder(1, 2); // one record per key at a time, both keys at once
        steps.get(2).complete(null); // b's first ends before a's first: b goes on, a waits
        assertThat(started).containsExactlyInAnyOrder(1, 2, 4);
        steps.get(4).complete(null);
        assertThat(done).isNotDone();
        steps.get(1).complete(null);
        assertThat(started).containsExactly(1, 2, 4, 3).doesNotContain(5);
        steps.get(3).complete(null);
        assertThat(started).containsExactly(1, 2, 4, 3, 5);
        assertThat(done).isNotDone();
        steps.get(5).complete(null);
        assertThat(done).isCompleted();
    }

    @ParameterizedTest(name = "virtual threads: {0}")
    @ValueSource(booleans = {false, true})
    void aFailureIsRethrownAfterEveryKeyFinished(boolean virtual) {
        KeyedBatches batches = new KeyedBatches("test", 8, virtual);
        AtomicInteger applied = new AtomicInteger();
        assertThatThrownBy(() -> apply(batches, List.of(new Rec("a", 1), new Rec("bad", 2), new Rec("c", 3), new Rec("a", 4)), Rec::key,
                r -> true, r -> {
                    if (r.key().equals("bad")) {
                        throw new IllegalStateException("store down");
                    }
                    applied.incrementAndGet();
                })).hasMessage("store down");
        assertThat(applied.get()).isEqualTo(3); // the other keys were all applied before the batch failed
    }
}
