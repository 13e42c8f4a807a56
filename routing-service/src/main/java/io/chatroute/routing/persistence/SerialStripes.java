package io.chatroute.routing.persistence;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Runs asynchronous operations one after another per stripe of an id (a chat, an agent or a queue), without holding a
 * thread while one waits: the non-blocking counterpart of a striped lock. An operation starts when the one before it on
 * its stripe has ended (with an item, a failure or a cancellation), on the thread that ended it; operations of other
 * stripes run at the same time. Ids that share a stripe wait for each other, as they would for a lock. An operation
 * given up while it runs (its caller's timeout) frees its stripe at once, as a lock's holder that gave up would.
 */
public final class SerialStripes {
    private final AtomicReference<CompletableFuture<Void>>[] tails;

    @SuppressWarnings("unchecked")
    public SerialStripes(int stripes) {
        tails = new AtomicReference[stripes];
        for (int i = 0; i < stripes; i++) {
            tails[i] = new AtomicReference<>(CompletableFuture.completedFuture(null));
        }
    }

    /**
     * The operation, started after every operation of its stripe that was subscribed before it has ended. It takes its
     * place when the returned {@link Uni} is subscribed (each subscription takes one).
     */
    public <T> Uni<T> serial(String id, Supplier<Uni<T>> operation) {
        AtomicReference<CompletableFuture<Void>> tail = tails[Math.floorMod(id.hashCode(), tails.length)];
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> before = tail.getAndSet(mine);
            // not completionStage(before): giving up would cancel the future the one before this completes
            return Uni.createFrom().<Void>emitter(e -> before.whenComplete((v, t) -> e.complete(null)))
                    .chain(ignored -> operation.get())
                    .onTermination().invoke((item, failure, cancelled) -> {
                        if (cancelled) {
                            // given up (a caller's timeout): the next one still waits for the one before this
                            before.whenComplete((v, e) -> mine.complete(null));
                        } else {
                            mine.complete(null);
                        }
                    });
        });
    }
}
