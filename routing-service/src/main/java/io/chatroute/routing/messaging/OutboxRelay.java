package io.chatroute.routing.messaging;

import java.net.URI;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.persistence.RoutingStore;
import io.chatroute.routing.persistence.RoutingStore.OutboxEntry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Publishes {@code routing:outbox} to Kafka in order: one instance at a time (Redis lease), each entry sent with its
 * key and CloudEvents attributes, the broker's acknowledgement awaited, then the entry deleted (at-least-once).
 * Triggered right after local writes and by a short periodic sweep.
 */

@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final Emitter<String> emitter;
    private final RoutingStore store;
    private final RoutingConfig config;
    private final String owner = UUID.randomUUID().toString();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "routing-outbox-relay");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile boolean stopping;

    public OutboxRelay(@Channel("routing-out") Emitter<String> emitter, RoutingStore store, RoutingConfig config) {
        this.emitter = emitter;
        this.store = store;
        this.config = config;
    }

    /** Asks for a relay round soon (coalesces concurrent requests). */
    public void trigger() {
        if (!stopping && !executor.isShutdown() && pending.compareAndSet(false, true)) {
            try {
                executor.execute(this::run);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false); // shutting down: the next instance relays what is left
            }
        }
    }

    @Scheduled(every = "${chatroute.routing.outbox-sweep-interval:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        trigger();
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        executor.shutdown();
    }

    private void run() {
        pending.set(false);
        if (stopping) {
            return;
        }
        try {
            if (!store.acquireLease(owner, config.relayLeaseMillis())) {
                return;
            }
            try {
                while (true) {
                    List<OutboxEntry> entries = store.readOutbox(config.relayBatchSize());
                    if (entries.isEmpty()) {
                        break;
                    }
                    // the batch goes out in stream order (the producer keeps per-partition order); one wait for
                    // all the broker acks, then one XDEL, instead of a round trip per event
                    List<CompletableFuture<Void>> acks = new ArrayList<>(entries.size());
                    for (OutboxEntry e : entries) {
                        acks.add(publish(e.fields()));
                    }
                    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                            .get(config.relayAckTimeoutSeconds(), TimeUnit.SECONDS);
                    store.deleteOutbox(entries.stream().map(OutboxEntry::streamId).toArray(String[]::new));
                    if (!store.acquireLease(owner, config.relayLeaseMillis())) {
                        return;
                    }
                }
            } finally {
                store.releaseLease(owner);
            }
        } catch (Exception e) {
            LOG.warnf("outbox relay round failed, will retry: %s", e.toString());
        }
    }

    private CompletableFuture<Void> publish(Map<String, String> f) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        OutgoingCloudEventMetadata<Object> ce = OutgoingCloudEventMetadata.builder()
                .withId(f.get("id"))
                .withType(f.get("type"))
                .withSource(URI.create(f.get("source")))
                .withSubject(f.get("key"))
                .withTimestamp(ZonedDateTime.parse(f.get("time")))
                .withDataContentType("application/json")
                .build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(f.get("key"))
                .withTopic(f.get("topic"))
                .build();
        Message<String> message = Message.of(f.get("data"), Metadata.of(ce, kafka),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                t -> {
                    acked.completeExceptionally(t);
                    return CompletableFuture.completedFuture(null);
                });
        emitter.send(message);
        return acked;
    }
}
