package io.chatroute.session.messaging;

import java.net.URI;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.persistence.Keys;
import io.chatroute.session.persistence.Scripts;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Publishes {@code session:outbox} to Kafka in order: send, wait for the broker's ack, XDEL. A Redis
 * lease lets one instance relay at a time. Runs on its own thread, triggered after local writes and by
 * a periodic sweep.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    static final URI SOURCE = URI.create("/session-service");

    private final MutinyEmitter<String> emitter;
    private final StreamCommands<String, String, String> streams;
    private final Scripts scripts;
    private final SessionConfig config;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "outbox-relay");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();

    public OutboxRelay(@Channel("outbox") MutinyEmitter<String> emitter, RedisDataSource redis, Scripts scripts,
                       SessionConfig config) {
        this.emitter = emitter;
        this.streams = redis.stream(String.class);
        this.scripts = scripts;
        this.config = config;
    }

    /** Asks for a relay pass soon; calls while one is pending coalesce. */
    public void trigger() {
        if (executor.isShutdown()) {
            return;
        }
        if (pending.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    pending.set(false);
                    drain();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false);
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        executor.shutdownNow();
    }

    private void drain() {
        try {
            while (holdLease()) {
                List<StreamMessage<String, String, String>> batch =
                        streams.xrange(Keys.OUTBOX, StreamRange.of("-", "+"), config.outbox().batchSize());
                if (batch.isEmpty()) {
                    return;
                }
                // the batch goes out in stream order (the producer keeps per-partition order); one wait for
                // all the broker acks, then one XDEL, instead of a round trip per event
                List<CompletableFuture<Void>> acks = new ArrayList<>(batch.size());
                for (StreamMessage<String, String, String> entry : batch) {
                    acks.add(publish(entry.payload()));
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                streams.xdel(Keys.OUTBOX, batch.stream().map(StreamMessage::id).toArray(String[]::new));
            }
        } catch (Exception e) {
            LOG.warnf("outbox relay pass failed, will retry: %s", e.toString());
        }
    }

    private boolean holdLease() {
        return scripts.eval(Scripts.OUTBOX_LEASE, List.of(Keys.OUTBOX_LEASE),
                List.of(config.instanceId(), Long.toString(config.outbox().leaseMillis()))).toInteger() == 1;
    }

    private CompletableFuture<Void> publish(Map<String, String> entry) {
        String key = entry.get("key");
        OutgoingCloudEventMetadata<String> ce = OutgoingCloudEventMetadata.<String>builder()
                .withId(entry.get("id"))
                .withType(entry.get("type"))
                .withSource(SOURCE)
                .withSubject(key)
                .withTimestamp(ZonedDateTime.parse(entry.get("time")))
                .withDataContentType("application/json")
                .build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(entry.get("topic"))
                .withKey(key)
                .build();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        emitter.sendMessageAndForget(Message.of(entry.get("data"), Metadata.of(ce, kafka),
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
