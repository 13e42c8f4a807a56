package io.chatroute.session.api;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.chatroute.session.messaging.OutboxRelay;
import io.chatroute.session.persistence.ChatStore;
import io.smallrye.mutiny.Uni;

/**
 * Runs the state changes of one chat (or agent) stripe one after another, without blocking a thread, and
 * publishes the events each script appended before the next change of the stripe starts: this instance hands a
 * chat's events to the producer in the order Redis committed them. A change is started when the previous one of
 * its stripe has finished (or failed, or outlived {@link #CHANGE_TIMEOUT}: then the outbox sweep publishes what it
 * appended, and consumers order a chat's messages by {@code seq}).
 */
final class WriteLocks {

    private static final int STRIPES = 256;
    static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(10);
    /** A change that waited longer than this for its stripe is logged (the one before it was slow). */
    private static final long SLOW_WAIT_MILLIS = 1_000;
    private static final Logger LOG = Logger.getLogger(WriteLocks.class);

    @SuppressWarnings("unchecked")
    private final AtomicReference<CompletableFuture<Void>>[] tails = new AtomicReference[STRIPES];
    private final OutboxRelay relay;

    WriteLocks(OutboxRelay relay) {
        this.relay = relay;
        for (int i = 0; i < STRIPES; i++) {
            tails[i] = new AtomicReference<>(CompletableFuture.completedFuture(null));
        }
    }

    /** Queues the change behind the stripe's previous one when subscribed to; the Uni ends when it committed and was handed to the producer. */
    Uni<ChatStore.Outcome> write(String key, Supplier<Uni<ChatStore.Outcome>> change) {
        AtomicReference<CompletableFuture<Void>> tail = tails[Math.floorMod(key.hashCode(), STRIPES)];
        return Uni.createFrom().completionStage(() -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            CompletableFuture<ChatStore.Outcome> result = new CompletableFuture<>();
            long queued = System.nanoTime();
            tail.getAndSet(done).whenComplete((ignored, previousFailure) -> {
                long waited = (System.nanoTime() - queued) / 1_000_000;
                if (waited > SLOW_WAIT_MILLIS) {
                    LOG.warnf("a change of %s waited %d ms for the change before it on its stripe", key, waited);
                }
                Uni<ChatStore.Outcome> running;
                try {
                    running = change.get().ifNoItem().after(CHANGE_TIMEOUT).fail();
                } catch (RuntimeException e) {
                    done.complete(null);
                    result.completeExceptionally(e);
                    return;
                }
                running.subscribe().with(outcome -> {
                    try {
                        relay.publish(outcome.emitted());
                    } finally {
                        done.complete(null);
                    }
                    result.complete(outcome);
                }, failure -> {
                    done.complete(null);
                    result.completeExceptionally(failure);
                });
            });
            return result;
        });
    }
}
