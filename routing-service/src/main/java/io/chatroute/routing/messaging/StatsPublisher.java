package io.chatroute.routing.messaging;

import java.net.URI;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.routing.api.LiveStatsReader;
import io.chatroute.routing.api.StatsResource;
import io.chatroute.routing.domain.LiveStats;
import io.chatroute.routing.persistence.RoutingStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The supervisors' live view as an event: every second, the instance holding the lease {@code routing:stats:lease}
 * reads the body of {@code GET /api/v1/stats/live} and publishes {@code stats.updated} on {@code stats-events} when it
 * changed (and at least every 10 s), with the queues breaking their target as {@code alerts}. Derived data, not
 * a state change: it is sent directly, not through the outbox; a lost one is replaced a second later.
 */
@ApplicationScoped
public class StatsPublisher {

    private static final Logger LOG = Logger.getLogger(StatsPublisher.class);
    static final String LEASE = "routing:stats:lease";
    private static final long HEARTBEAT_MILLIS = 10_000;
    /** A queue's service level below this share is an alert. */
    static final double SERVICE_LEVEL_ALERT = 0.8;

    private final Emitter<String> emitter;
    private final LiveStatsReader stats;
    private final RoutingStore store;
    private final ObjectMapper json;
    private final String owner = UUID.randomUUID().toString();
    private volatile String lastBody;
    private volatile long lastSent;
    private volatile boolean stopping;
    private volatile long lastWarning;

    public StatsPublisher(@Channel("stats-out") @OnOverflow(value = OnOverflow.Strategy.DROP) Emitter<String> emitter,
                          LiveStatsReader stats, RoutingStore store, ObjectMapper json) {
        this.emitter = emitter;
        this.stats = stats;
        this.store = store;
        this.json = json;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Scheduled(every = "${chatroute.routing.stats-interval:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = StartedOnly.class)
    void tick() {
        if (stopping) {
            return;
        }
        try {
            if (!store.acquireLease(LEASE, owner, 3_000)) {
                return; // another instance publishes
            }
            StatsResource.LiveView view = stats.read();
            String body = json.writeValueAsString(Map.of("queues", view.queues(), "agents", view.agents()));
            long now = System.currentTimeMillis();
            if (body.equals(lastBody) && now - lastSent < HEARTBEAT_MILLIS) {
                return;
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("at", view.at());
            data.put("day", view.day());
            data.put("queues", view.queues());
            data.put("agents", view.agents());
            data.put("alerts", alerts(view.queues()));
            send(json.writeValueAsString(data));
            lastBody = body;
            lastSent = now;
        } catch (JsonProcessingException | RuntimeException e) {
            long now = System.currentTimeMillis();
            if (now - lastWarning > 60_000) { // at most once a minute: the next second tries again
                lastWarning = now;
                LOG.warnf(e, "live stats not published: %s", e.toString());
            }
        }
    }

    /** The queues that break their target now: someone waiting longer than the target, or today's service level low. */
    static List<Map<String, Object>> alerts(List<LiveStats.QueueView> queues) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LiveStats.QueueView q : queues) {
            if (q.waiting() > 0 && q.longestWaitSeconds() > q.serviceLevelTargetSeconds()) {
                out.add(Map.of("queueId", q.queueId(), "kind", "wait-over-target", "detail",
                        "a chat has waited " + q.longestWaitSeconds() + " s (target " + q.serviceLevelTargetSeconds() + " s)"));
            }
            if (q.serviceLevel() != null && q.serviceLevel() < SERVICE_LEVEL_ALERT) {
                out.add(Map.of("queueId", q.queueId(), "kind", "service-level-below-target", "detail",
                        String.format(java.util.Locale.ROOT, "%.0f %% answered within %d s today (target %.0f %%)",
                                100 * q.serviceLevel(), q.serviceLevelTargetSeconds(), 100 * SERVICE_LEVEL_ALERT)));
            }
        }
        return out;
    }

    private void send(String data) {
        OutgoingCloudEventMetadata<Object> ce = OutgoingCloudEventMetadata.builder()
                .withId(UUID.randomUUID().toString())
                .withType("stats.updated")
                .withSource(URI.create("/routing-service"))
                .withSubject("live")
                .withTimestamp(ZonedDateTime.now(ZoneOffset.UTC))
                .withDataContentType("application/json")
                .build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder().withKey("live").build();
        emitter.send(Message.of(data, Metadata.of(ce, kafka)));
    }
}
