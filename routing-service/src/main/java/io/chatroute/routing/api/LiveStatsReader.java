package io.chatroute.routing.api;

import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.LiveStats;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.persistence.AgentRecord;
import io.chatroute.routing.persistence.RoutingStore;
import jakarta.enterprise.context.ApplicationScoped;

/** Reads the live view of queues and agents (two Redis round trips); used by the REST endpoint and the stats publisher. */
@ApplicationScoped
public class LiveStatsReader {
    private final RoutingStore store;
    private final io.chatroute.routing.config.RoutingConfig config;

    public LiveStatsReader(RoutingStore store, io.chatroute.routing.config.RoutingConfig config) {
        this.store = store;
        this.config = config;
    }

    public StatsResource.LiveView read() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        LocalDate day = RoutingStore.utcDay(now);
        Map<String, QueueDefinition> queues = store.queues();
        RoutingStore.LiveSnapshot snap = store.live(queues.keySet(), day, now);
        List<AgentSnapshot> agents = snap.agents().stream().map(AgentRecord::snapshot).toList();
        List<LiveStats.QueueView> queueViews = new ArrayList<>(queues.size());
        for (QueueDefinition q : queues.values()) { // sorted by id
            boolean open = q.businessHours() == null || q.businessHours().isOpen(now);
            RoutingStore.History h = snap.history().getOrDefault(q.id(), RoutingStore.History.EMPTY);
            queueViews.add(LiveStats.queue(q, open, snap.queues().getOrDefault(q.id(), LiveStats.QueueState.EMPTY), agents,
                    now.toEpochMilli(), new LiveStats.History(h.answersInWindow(), h.arrivalsInWindow(), config.estimateWindowSeconds(),
                            h.averageHandleSeconds(), h.handleSamples(), config.defaultHandleSeconds(), config.estimateMinAnswers(),
                            config.estimateMinHandleSamples())));
        }
        List<StatsResource.AgentLive> agentViews = snap.agents().stream().map(a -> new StatsResource.AgentLive(a.id(), a.profile().displayName(), a.status().name(),
                a.active(), a.max(), LiveStats.idleSeconds(a.status(), a.active(), a.statusSince(), a.lastAssignedAt(), a.idleSince(),
                        now.toEpochMilli()), a.statusSince() == 0 ? null : Instant.ofEpochMilli(a.statusSince()))).toList();
        return new StatsResource.LiveView(now, day, queueViews, agentViews);
    }
}
