package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What readiness is told: a channel is failing while any of its retry loops is (several keys are retried at once on
 * one channel), and a loop that ends, however it ends, leaves no mark behind.
 */
class TransientRetryTest {
    private final TransientRetry retry = new TransientRetry(new SimpleMeterRegistry());

    @Test
    void aChannelStaysFailingWhileAnyOfItsRecordsDoes() throws Exception {
        AtomicBoolean stillDown = new AtomicBoolean(true);
        Thread slow = new Thread(() -> retry.run("ch", "slow", () -> {
            if (stillDown.get()) {
                throw new IllegalStateException("store down");
            }
        }));
        slow.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> retry.failingSince().containsKey("ch"));
        Instant since = retry.failingSince().get("ch");

        AtomicInteger quickCalls = new AtomicInteger();
        retry.run("ch", "quick", () -> {
            if (quickCalls.incrementAndGet() < 3) {
                throw new IllegalStateException("store busy");
            }
        });
        assertThat(quickCalls.get()).isEqualTo(3);
        // the quick record's success does not clear the channel: the slow one still fails, since its first failure
        assertThat(retry.failingSince()).containsEntry("ch", since);

        stillDown.set(false);
        slow.join(10_000);
        assertThat(slow.isAlive()).isFalse();
        assertThat(retry.failingSince()).isEmpty();
    }

    @Test
    void anAsyncRetryLeavesNoMarkOnceItSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        retry.runAsync("ch", "async", () -> calls.incrementAndGet() < 3
                ? io.smallrye.mutiny.Uni.createFrom().failure(new IllegalStateException("store busy"))
                : io.smallrye.mutiny.Uni.createFrom().voidItem()).await().atMost(Duration.ofSeconds(10));
        assertThat(calls.get()).isEqualTo(3);
        assertThat(retry.failingSince()).isEmpty();
    }

    @Test
    void aPoisonRecordAfterTransientFailuresLeavesNoMark() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> retry.run("ch", "turns out poison", () -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("store busy");
            }
            throw new PoisonEventException("unreadable");
        })).isInstanceOf(PoisonEventException.class);
        assertThat(calls.get()).isEqualTo(3);
        assertThat(retry.failingSince()).isEmpty();
    }
}
