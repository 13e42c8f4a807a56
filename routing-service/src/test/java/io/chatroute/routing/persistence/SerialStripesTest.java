package io.chatroute.routing.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

class SerialStripesTest {

    /** An operation that ends when the test says so, recording when it started. */
    private static final class Step {
        final CompletableFuture<String> end = new CompletableFuture<>();
        final AtomicBoolean started = new AtomicBoolean();

        Uni<String> run() {
            started.set(true);
            return Uni.createFrom().completionStage(end);
        }
    }

    @Test
    void anIdsOperationsRunOneAfterAnotherInTheOrderTheyWereSubscribed() {
        SerialStripes stripes = new SerialStripes(8);
        Step first = new Step();
        Step second = new Step();
        Step third = new Step();
        List<String> ended = Collections.synchronizedList(new ArrayList<>());
        stripes.serial("chat-1", first::run).subscribe().with(ended::add);
        stripes.serial("chat-1", second::run).subscribe().with(ended::add);
        stripes.serial("chat-1", third::run).subscribe().with(ended::add);

        assertTrue(first.started.get());
        assertFalse(second.started.get(), "the second waits while the first runs");
        first.end.complete("1");
        assertTrue(second.started.get());
        assertFalse(third.started.get());
        second.end.complete("2");
        third.end.complete("3");
        assertEquals(List.of("1", "2", "3"), ended);
    }

    @Test
    void otherStripesDoNotWait() {
        SerialStripes stripes = new SerialStripes(256);
        String a = "a";
        String b = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "b" + i)
                .filter(id -> Math.floorMod(id.hashCode(), 256) != Math.floorMod(a.hashCode(), 256)).findFirst().orElseThrow();
        Step held = new Step();
        Step other = new Step();
        stripes.serial(a, held::run).subscribe().with(x -> { });
        stripes.serial(b, other::run).subscribe().with(x -> { });
        assertTrue(other.started.get(), "an id of another stripe starts while the first still runs");
        assertFalse(held.end.isDone());
    }

    @Test
    void aFailureOrAThrowingOperationFreesTheStripeAndReachesItsCaller() {
        SerialStripes stripes = new SerialStripes(4);
        Step failing = new Step();
        Step next = new Step();
        AtomicInteger failures = new AtomicInteger();
        stripes.serial("x", failing::run).subscribe().with(x -> { }, e -> failures.incrementAndGet());
        stripes.serial("x", () -> {
            throw new IllegalStateException("bad script");
        }).subscribe().with(x -> { }, e -> failures.incrementAndGet());
        stripes.serial("x", next::run).subscribe().with(x -> { });
        assertFalse(next.started.get());
        failing.end.completeExceptionally(new IllegalStateException("redis down"));
        assertEquals(2, failures.get());
        assertTrue(next.started.get(), "the stripe goes on after failures");
        next.end.complete("next");
        assertThrows(IllegalStateException.class,
                () -> stripes.serial("x", () -> Uni.createFrom().failure(new IllegalStateException("again")))
                        .await().atMost(Duration.ofSeconds(5)));
    }

    @Test
    void oneGivenUpWhileWaitingStillLetsTheNextWaitForTheOneBefore() {
        SerialStripes stripes = new SerialStripes(4);
        Step running = new Step();
        Step abandoned = new Step();
        Step next = new Step();
        stripes.serial("x", running::run).subscribe().with(x -> { });
        Cancellable gaveUp = stripes.serial("x", abandoned::run).subscribe().with(x -> { });
        stripes.serial("x", next::run).subscribe().with(x -> { });
        gaveUp.cancel();
        assertFalse(next.started.get(), "the one given up does not let the next overtake the one still running");
        running.end.complete("done");
        assertFalse(abandoned.started.get());
        assertTrue(next.started.get());
    }
}
