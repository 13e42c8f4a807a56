package io.chatroute.history.messaging;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.chatroute.history.config.HistoryConfig;
import io.chatroute.history.persistence.OutboxEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Publishes history-service's events ({@code transcript.tagged}) from its outbox ({@code outbox_event}) to the topic
 * {@code history-events}, CloudEvents binary mode, keyed by chat id. A change commits its event in the same
 * transaction, due to the sweep only {@code outbox.sweep-after} later; {@link #publish} sends it at once after the
 * commit and deletes the row once the broker acknowledged it. Every {@code outbox.sweep-every} a sweep claims the
 * events that are due ({@code FOR UPDATE SKIP LOCKED}, moving each one's next attempt {@code sweep-after} on), oldest
 * first, and sends them one at a time: a crash between the commit and the send, or a broker that refused it. So the
 * immediate send and a sweep, or two instances' sweeps, do not send one event at the same time, as long as a send
 * ends within {@code sweep-after} (the producer gives up after at most 20 s: {@code max.block.ms} and
 * {@code delivery.timeout.ms}; checked at start). An event can still go out twice (a crash after the send, before the
 * delete), with the same id: consumers are idempotent on it. Events of one chat can go out of order (an immediate
 * send that failed is sent by a later sweep, after a newer one): of two events of one chat the later {@code taggedAt}
 * holds, and history gives a chat's writes increasing {@code taggedAt}s in commit order.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final String SOURCE = "/history-service";

    private final MutinyEmitter<String> emitter;
    private final Pool pool;
    private final Vertx vertx;
    private final MeterRegistry meters;
    private final HistoryConfig.Outbox config;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile long timer = -1;
    private volatile Instant failingSince;
    private volatile long lastFailureLog;

    public OutboxRelay(@Channel("history-events") MutinyEmitter<String> emitter, Pool pool, Vertx vertx, MeterRegistry meters,
                       HistoryConfig config) {
        this.emitter = emitter;
        this.pool = pool;
        this.vertx = vertx;
        this.meters = meters;
        this.config = config.outbox();
    }

    void start(@Observes StartupEvent event) {
        long producerGivesUpMs = ConfigProvider.getConfig().getOptionalValue("mp.messaging.outgoing.history-events.max.block.ms", Long.class)
                .orElse(60_000L)
                + ConfigProvider.getConfig().getOptionalValue("mp.messaging.outgoing.history-events.delivery.timeout.ms", Long.class)
                        .orElse(120_000L);
        if (config.sweepAfter().toMillis() <= producerGivesUpMs) {
            throw new IllegalStateException("chatroute.history.outbox.sweep-after (" + config.sweepAfter() + ") must be longer than"
                    + " the history-events producer's max.block.ms + delivery.timeout.ms (" + producerGivesUpMs + " ms): a sweep"
                    + " would send events whose immediate send is still under way");
        }
        long every = Math.max(100, config.sweepEvery().toMillis());
        timer = vertx.setPeriodic(every, id -> sweep().subscribe().with(n -> failingSince = null, e -> {
            // the first failure of a run of them, then one line a minute (PostgreSQL or the broker away)
            long now = System.nanoTime();
            if (failingSince == null || now - lastFailureLog > 60_000_000_000L) {
                lastFailureLog = now;
                LOG.warnf("outbox sweep failed (retried every %d ms%s): %s", every,
                        failingSince == null ? "" : ", failing since " + failingSince, e.toString());
            }
            if (failingSince == null) {
                failingSince = Instant.now();
            }
        }));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * Sends a committed event and deletes it from the outbox once the broker acknowledged it. A failure is logged, not
     * passed on: the event stays in the outbox for the sweep.
     */
    public Uni<Void> publish(OutboxEvent event) {
        return send(event).onFailure().recoverWithUni(e -> {
            LOG.warnf("%s %s not published yet (the outbox sweep sends it): %s", event.type(), event.id(), e.toString());
            return Uni.createFrom().voidItem();
        });
    }

    private Uni<Void> send(OutboxEvent event) {
        Message<String> out = Message.of(event.data())
                .addMetadata(OutgoingCloudEventMetadata.builder()
                        .withId(event.id().toString())
                        .withType(event.type())
                        .withSource(java.net.URI.create(SOURCE))
                        .withSubject(event.chatId())
                        .withDataContentType("application/json")
                        .withTimestamp(event.occurredAt().atZone(ZoneOffset.UTC))
                        .build())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.chatId()).build());
        return emitter.sendMessage(out)
                .chain(() -> pool.preparedQuery("DELETE FROM outbox_event WHERE id = $1").execute(Tuple.of(event.id())))
                .invoke(() -> meters.counter("chatroute_history_events_published_total", "type", event.type()).increment())
                .replaceWithVoid();
    }

    /**
     * Claims the events that are due (their immediate send did not delete them within {@code sweep-after}, or an
     * earlier sweep's did not), moving their next attempt on, and sends them oldest first, one at a time.
     */
    public Uni<Integer> sweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return Uni.createFrom().item(0);
        }
        return pool.withTransaction(conn -> conn.preparedQuery("""
                        UPDATE outbox_event SET next_attempt_at = clock_timestamp() + make_interval(secs => $1)
                        WHERE id IN (SELECT id FROM outbox_event WHERE next_attempt_at <= clock_timestamp()
                                     ORDER BY created_at, occurred_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                        RETURNING id, type, chat_id, occurred_at, data, created_at""")
                        .execute(Tuple.of(config.sweepAfter().toMillis() / 1000.0, config.sweepBatch())))
                .chain(rows -> {
                    List<Claimed> claimed = new ArrayList<>();
                    for (Row r : rows) {
                        claimed.add(new Claimed(new OutboxEvent(r.getUUID("id"), r.getString("type"), r.getString("chat_id"),
                                r.getOffsetDateTime("occurred_at").toInstant(), r.getString("data")), r.getOffsetDateTime("created_at")));
                    }
                    claimed.sort(java.util.Comparator.comparing(Claimed::createdAt).thenComparing(c -> c.event().occurredAt()));
                    if (!claimed.isEmpty()) {
                        LOG.infof("outbox sweep: %d event(s) left unpublished, sending them", claimed.size());
                    }
                    // one at a time, in order; the first failure ends the sweep (the rest are due again later)
                    return Multi.createFrom().iterable(claimed).onItem().transformToUniAndConcatenate(c -> send(c.event()).replaceWith(1))
                            .collect().asList().map(List::size);
                })
                .eventually(() -> sweeping.set(false));
    }

    private record Claimed(OutboxEvent event, java.time.OffsetDateTime createdAt) {
    }
}
