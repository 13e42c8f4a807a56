package io.chatroute.routing.messaging;

import java.net.URI;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.persistence.Keys;
import io.chatroute.routing.persistence.OutboxPublisher;
import io.chatroute.routing.persistence.RoutingStore;
import io.chatroute.routing.persistence.RoutingStore.OutboxEntry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

/**
 * Publishes what the Lua scripts append to the partitions' outbox streams ({@code routing:{p<n>}:outbox}).
 * <ul>
 * <li><b>At once</b>: {@link RoutingStore} hands every script's entries to {@link #publish(List)} right after the
 * script committed (in the chat's stripe, whose scripts run one after another: so one instance sends a chat's events in
 * commit order); an entry is deleted (XDEL) when the broker acknowledges it.</li>
 * <li><b>Safety net</b>: a sweep (one instance at a time, Redis lease) re-publishes entries older than the grace
 * period: those of a crashed process or of a failed send. Consumers de-duplicate on {@code ce_id}. The lease is at
 * least twice the ack timeout (checked at start), the longest wait of a pass: all partitions' sends of a pass share
 * one deadline, and the lease is renewed before the next pass.</li>
 * </ul>
 */
@ApplicationScoped
public class OutboxRelay implements OutboxPublisher {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final Emitter<String> emitter;
    private final Instance<RoutingStore> store;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final RoutingConfig config;
    private final Counter swept;
    private final String owner = UUID.randomUUID().toString();
    private volatile boolean started;
    private volatile boolean stopping;

    public OutboxRelay(@Channel("routing-out") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
                       Emitter<String> emitter, Instance<RoutingStore> store, ReactiveRedisDataSource redis,
                       RoutingConfig config, MeterRegistry meters) {
        this.emitter = emitter;
        this.store = store;
        this.streams = redis.stream(String.class);
        this.config = config;
        this.swept = meters.counter("chatroute_outbox_swept_total", "service", "routing-service");
        if (config.relayLeaseMillis() < 2000L * config.relayAckTimeoutSeconds()) {
            throw new IllegalStateException("chatroute.routing.relay-lease-millis must be at least twice the ack timeout");
        }
    }

    void started() {
        started = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Override
    public void publish(List<Entry> entries) {
        for (Entry e : entries) {
            try {
                send(e).thenRun(() -> streams.xdel(e.stream(), e.streamId()).subscribe().with(
                        n -> { }, err -> LOG.debugf("outbox XDEL %s failed (the sweep re-sends it): %s", e.streamId(), err)));
            } catch (RuntimeException ex) {
                // the emitter's buffer is full or the channel is down: the entry stays in the stream for the sweep
                LOG.warnf("could not publish %s %s at once, the outbox sweep will: %s", e.type(), e.id(), ex.toString());
            }
        }
    }

    /** The safety net (driven by {@link OutboxSweeper}): entries older than the grace period, in stream order. */
    void sweep() {
        if (!started || stopping) {
            return;
        }
        RoutingStore s = store.get();
        try {
            if (!s.acquireLease(Keys.OUTBOX_LEASE, owner, config.relayLeaseMillis())) {
                return;
            }
            try {
                while (!stopping) {
                    // every partition's outbox in one pipelined read; each partition in its stream's order
                    List<OutboxEntry> entries = s.readOutboxBefore(System.currentTimeMillis() - config.relayGraceMillis(),
                            config.relayBatchSize());
                    if (entries.isEmpty()) {
                        break;
                    }
                    Map<String, List<CompletableFuture<Void>>> acks = new LinkedHashMap<>();
                    Map<String, List<String>> ids = new LinkedHashMap<>();
                    for (OutboxEntry e : entries) {
                        Map<String, String> f = e.fields();
                        acks.computeIfAbsent(e.stream(), k -> new ArrayList<>()).add(send(new Entry(e.stream(), e.streamId(), f.get("id"),
                                f.get("type"), f.get("key"), f.get("topic"), f.get("time"), f.get("data"))));
                        ids.computeIfAbsent(e.stream(), k -> new ArrayList<>()).add(e.streamId());
                    }
                    // a partition whose sends fail keeps its entries; the others are deleted (one never holds back the rest).
                    // Every send is in flight already, so all partitions share one deadline: a pass waits at most the ack
                    // timeout however many partitions fail, which keeps it within the lease (at least twice that)
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.relayAckTimeoutSeconds());
                    boolean full = false;
                    for (Map.Entry<String, List<CompletableFuture<Void>>> p : acks.entrySet()) {
                        full |= p.getValue().size() >= config.relayBatchSize();
                        try {
                            CompletableFuture.allOf(p.getValue().toArray(CompletableFuture[]::new))
                                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                            s.deleteOutbox(p.getKey(), ids.get(p.getKey()).toArray(String[]::new));
                            swept.increment(p.getValue().size());
                        } catch (Exception e) {
                            LOG.warnf("outbox sweep of %s failed, will retry: %s", p.getKey(), e.toString());
                            full = false;
                        }
                    }
                    if (!full || !s.acquireLease(Keys.OUTBOX_LEASE, owner, config.relayLeaseMillis())) {
                        return;
                    }
                }
            } finally {
                s.releaseLease(Keys.OUTBOX_LEASE, owner);
            }
        } catch (Exception e) {
            LOG.warnf("outbox sweep failed, will retry: %s", e.toString());
        }
    }

    private CompletableFuture<Void> send(Entry f) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        OutgoingCloudEventMetadata<Object> ce = OutgoingCloudEventMetadata.builder()
                .withId(f.id())
                .withType(f.type())
                .withSource(URI.create("/routing-service"))
                .withSubject(f.key())
                .withTimestamp(ZonedDateTime.parse(f.time()))
                .withDataContentType("application/json")
                .build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(f.key())
                .withTopic(f.topic())
                .build();
        emitter.send(Message.of(f.data(), Metadata.of(ce, kafka),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                t -> {
                    acked.completeExceptionally(t);
                    return CompletableFuture.completedFuture(null);
                }));
        return acked;
    }
}
