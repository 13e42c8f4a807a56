package io.chatroute.session.messaging;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.persistence.Keys;
import io.chatroute.session.persistence.Scripts;
import io.chatroute.session.persistence.Scripts.Emitted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Publishes what the Lua scripts append to the outbox streams, one per partition ({@code session:{p<n>}:outbox}: a
 * chat's events are in its partition's stream, in commit order; no stream is written by every chat).
 *
 * <ul>
 * <li><b>At once</b>: the writer hands the entries its script returned to {@link #publish(List)} right after the
 * script committed, still holding the chat's stripe lock, so one instance sends a chat's events in commit order;
 * the entry is deleted when the broker acknowledges it: acknowledged entries are collected and deleted together,
 * one XDEL at most every {@value #DELETE_DELAY_MS} ms (or per {@value #DELETE_BATCH} entries), not one round trip
 * per event. An entry acknowledged but not yet deleted when the process dies is re-sent by the sweep: consumers
 * de-duplicate on {@code ce_id}.</li>
 * <li><b>Safety net</b>: a sweep (one instance at a time, Redis lease) re-publishes entries older than
 * {@code chatroute.outbox.grace}, partition by partition: those of a crashed process or a failed send. Consumers de-duplicate on
 * {@code ce_id}, so an entry sent twice changes nothing. The lease outlives the longest wait inside a sweep
 * (checked at start).</li>
 * </ul>
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    static final URI SOURCE = URI.create("/session-service");
    static final long DELETE_DELAY_MS = 5;
    static final int DELETE_BATCH = 512;

    private final MutinyEmitter<String> emitter;
    private final StreamCommands<String, String, String> streams;
    private final ReactiveStreamCommands<String, String, String> reactiveStreams;
    private final Scripts scripts;
    private final SessionConfig config;
    private final Counter swept;
    private volatile boolean started;
    private volatile boolean stopping;
    private final Vertx vertx;
    /** An acknowledged entry: its stream and its id there. */
    private record Acked(String stream, String id) {
    }

    /** Acknowledged entries waiting for their XDEL. */
    private final ConcurrentLinkedQueue<Acked> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicBoolean deleteScheduled = new AtomicBoolean();

    public OutboxRelay(@Channel("outbox") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
                       MutinyEmitter<String> emitter, RedisDataSource redis, ReactiveRedisDataSource reactive,
                       Scripts scripts, SessionConfig config, MeterRegistry meters, Vertx vertx) {
        this.emitter = emitter;
        this.vertx = vertx;
        this.streams = redis.stream(String.class);
        this.reactiveStreams = reactive.stream(String.class);
        this.scripts = scripts;
        this.config = config;
        this.swept = meters.counter("chatroute_outbox_swept_total", "service", "session-service");
        Duration longestWait = config.outbox().ackTimeout().multipliedBy(2);
        if (config.outbox().leaseMillis() < longestWait.toMillis()) {
            throw new IllegalStateException("chatroute.outbox.lease-millis must be at least twice chatroute.outbox.ack-timeout");
        }
    }

    void started() {
        started = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        // what was acknowledged is deleted now, so a clean stop leaves nothing for the sweep to re-send
        List<Acked> ids = new ArrayList<>();
        for (Acked id; (id = acknowledged.poll()) != null; ) {
            ids.add(id);
        }
        byStream(ids).forEach((stream, inStream) -> {
            try {
                streams.xdel(stream, inStream);
            } catch (RuntimeException e) {
                LOG.debugf("outbox XDEL on shutdown failed (the sweep re-sends %d entries): %s", inStream.length, e);
            }
        });
    }

    /** Sends the entries a script just appended, in order; each is deleted from the stream once acknowledged. */
    public void publish(List<Emitted> entries) {
        for (Emitted e : entries) {
            try {
                send(e).thenRun(() -> deleteLater(new Acked(e.stream(), e.streamId())));
            } catch (RuntimeException ex) {
                // the emitter's buffer is full or the channel is down: the entry stays in the stream for the sweep
                LOG.warnf("could not publish %s %s at once, the outbox sweep will: %s", e.type(), e.id(), ex.toString());
            }
        }
    }

    /**
     * Sends an event that has no outbox entry (a fact about a socket, not a state change: {@link OfferDeliveries}) on
     * the same producer, CloudEvents binary mode like the rest; the future completes when the broker acknowledged it.
     * Throws when the emitter refuses it (its buffer is full, the channel is down).
     */
    public CompletableFuture<Void> sendUnstored(String id, String type, String key, String topic, String time, String data) {
        return send(new Emitted(null, id, type, key, topic, time, data, null));
    }

    /** Queues an acknowledged entry's deletion; the first of a batch schedules the XDEL. */
    private void deleteLater(Acked entry) {
        acknowledged.add(entry);
        if (waiting.incrementAndGet() >= DELETE_BATCH) {
            deleteAcknowledged();
        } else if (deleteScheduled.compareAndSet(false, true)) {
            vertx.setTimer(DELETE_DELAY_MS, t -> {
                deleteScheduled.set(false);
                deleteAcknowledged();
            });
        }
    }

    /**
     * One XDEL per stream for what is queued (a failure leaves the entries for the sweep, which re-sends them:
     * at-least-once).
     */
    private void deleteAcknowledged() {
        List<Acked> ids = new ArrayList<>();
        for (Acked id; ids.size() < 4 * DELETE_BATCH && (id = acknowledged.poll()) != null; ) {
            ids.add(id);
        }
        if (ids.isEmpty()) {
            return;
        }
        waiting.addAndGet(-ids.size());
        byStream(ids).forEach((stream, inStream) -> reactiveStreams.xdel(stream, inStream).subscribe().with(
                n -> { }, err -> LOG.debugf("outbox XDEL of %d entries failed (the sweep re-sends them): %s", inStream.length, err)));
        if (!acknowledged.isEmpty() && deleteScheduled.compareAndSet(false, true)) {
            vertx.setTimer(DELETE_DELAY_MS, t -> {
                deleteScheduled.set(false);
                deleteAcknowledged();
            });
        }
    }

    private static Map<String, String[]> byStream(List<Acked> entries) {
        Map<String, List<String>> grouped = new HashMap<>();
        entries.forEach(a -> grouped.computeIfAbsent(a.stream(), k -> new ArrayList<>()).add(a.id()));
        Map<String, String[]> out = new HashMap<>();
        grouped.forEach((stream, ids) -> out.put(stream, ids.toArray(String[]::new)));
        return out;
    }

    /** The safety net: entries older than the grace period, each partition's in stream order, one instance at a time. */
    void sweep() {
        if (!started || stopping) {
            return;
        }
        try {
            if (!holdLease()) {
                return;
            }
            for (int p = 0; p < Keys.PARTITIONS; p++) {
                try {
                    if (!sweep(Keys.outbox(p))) {
                        return;
                    }
                } catch (RuntimeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // one partition's failure (an ack that did not come) does not hold the others back
                    LOG.warnf("outbox sweep of partition %d failed, will retry: %s", p, e.toString());
                }
            }
        } catch (Exception e) {
            LOG.warnf("outbox sweep failed, will retry: %s", e.toString());
        }
    }

    /**
     * Re-publishes one stream's old entries; false when this instance no longer holds the lease (taken again before
     * every batch it sends, so an empty stream costs one XRANGE).
     */
    private boolean sweep(String stream) throws InterruptedException, java.util.concurrent.ExecutionException,
            java.util.concurrent.TimeoutException {
        while (true) {
            long cutoff = Instant.now().minus(config.outbox().grace()).toEpochMilli();
            List<StreamMessage<String, String, String>> batch = streams.xrange(stream,
                    StreamRange.of("-", Long.toString(cutoff)), config.outbox().batchSize());
            if (batch.isEmpty()) {
                return true;
            }
            if (!holdLease()) {
                return false;
            }
            List<CompletableFuture<Void>> acks = new ArrayList<>(batch.size());
            for (StreamMessage<String, String, String> m : batch) {
                acks.add(send(emitted(stream, m)));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                    .get(config.outbox().ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
            streams.xdel(stream, batch.stream().map(StreamMessage::id).toArray(String[]::new));
            swept.increment(batch.size());
        }
    }

    private boolean holdLease() {
        return scripts.eval(Scripts.OUTBOX_LEASE, List.of(Keys.OUTBOX_LEASE),
                List.of(config.instanceId(), Long.toString(config.outbox().leaseMillis()))).value().toInteger() == 1;
    }

    private static Emitted emitted(String stream, StreamMessage<String, String, String> m) {
        Map<String, String> p = m.payload();
        return new Emitted(m.id(), p.get("id"), p.get("type"), p.get("key"), p.get("topic"), p.get("time"), p.get("data"), stream);
    }

    private CompletableFuture<Void> send(Emitted e) {
        OutgoingCloudEventMetadata<String> ce = OutgoingCloudEventMetadata.<String>builder()
                .withId(e.id())
                .withType(e.type())
                .withSource(SOURCE)
                .withSubject(e.key())
                .withTimestamp(ZonedDateTime.parse(e.time()))
                .withDataContentType("application/json")
                .build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(e.topic())
                .withKey(e.key())
                .build();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        emitter.sendMessageAndForget(Message.of(e.data(), Metadata.of(ce, kafka),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return acked;
    }
}
