package io.chatroute.routing.messaging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.Target;
import io.chatroute.routing.domain.WaitEstimator;
import io.chatroute.routing.persistence.CandidateIndex;
import io.chatroute.routing.persistence.RoutingStore;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Keeps waiting visitors told: after anything that can move a queue's positions or estimates (a chat joined or left,
 * an agent's load or presence changed), the queue is "touched"; at most once per {@code announce-interval-millis} per
 * queue (coalesced here per instance, and across instances by the script's own throttle), queue_announce.lua sends a
 * chat.queued to each waiting chat whose position or estimated wait changed; beyond the first {@code announce-near}
 * chats, a chat is told again only after a quiet time that grows with its place (the pass then comes back when the
 * first of those is due). A closed queue announces nothing (its
 * chats were told chat.offline with the opening time); it is announced when it opens.
 */
@ApplicationScoped
public class Announcer {
    private static final Logger LOG = Logger.getLogger(Announcer.class);

    private final RoutingStore store;
    private final CandidateIndex index;
    private final RoutingConfig config;
    private final ConcurrentHashMap<String, Boolean> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "routing-announcer");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;

    public Announcer(RoutingStore store, CandidateIndex index, RoutingConfig config) {
        this.store = store;
        this.index = index;
        this.config = config;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        executor.shutdownNow();
    }

    /** Something in the queue changed: announce its positions within the interval. */
    public void touch(String queueId) {
        if (queueId != null && !stopping && pending.putIfAbsent(queueId, Boolean.TRUE) == null) {
            schedule(queueId, config.announceIntervalMillis() / 4);
        }
    }

    private void schedule(String queueId, long delayMillis) {
        try {
            executor.schedule(() -> run(queueId), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            pending.remove(queueId); // shutting down
        }
    }

    private void run(String queueId) {
        pending.remove(queueId);
        try {
            QueueDefinition q = store.queue(queueId).orElse(null);
            Instant now = Instant.now();
            if (q == null || (q.businessHours() != null && !q.businessHours().isOpen(now))) {
                return;
            }
            List<Target> targets = index.targetsOf(queueId);
            RoutingStore.Signals sig = store.signals(queueId, targets.stream().map(Target::id).toList(), now);
            List<RoutingStore.CurveArgs> curves = new ArrayList<>(targets.size());
            for (Target t : targets) {
                WaitEstimator.Curve c = curve(config, sig, t.id());
                curves.add(new RoutingStore.CurveArgs(t.id(), c.freeSlots(), c.firstSeconds(), c.stepSeconds()));
            }
            RoutingStore.Outcome o = store.announce(queueId, curves, now);
            String later = "SOON".equals(o.code()) ? o.value(0) : "DONE".equals(o.code()) ? o.value(2) : null;
            if (later != null && !later.isEmpty() && pending.putIfAbsent(queueId, Boolean.TRUE) == null) {
                // SOON: another pass ran within the interval; DONE with a time: a change waits out a chat's quiet time
                schedule(queueId, Math.max(10, Long.parseLong(later)));
            }
        } catch (RuntimeException e) {
            LOG.warnf("announcing queue %s failed, will retry: %s", queueId, e.toString());
            if (!stopping && pending.putIfAbsent(queueId, Boolean.TRUE) == null) {
                schedule(queueId, 1000);
            }
        }
    }

    /** The wait curve of a routing target from the queue's signals (the same for evaluation and announcements). */
    static WaitEstimator.Curve curve(RoutingConfig config, RoutingStore.Signals sig, String targetId) {
        return WaitEstimator.curve(new WaitEstimator.Inputs(sig.agg(targetId, "free"), sig.agg(targetId, "slots"), sig.agg(targetId, "busy"),
                sig.answersInWindow(), sig.arrivalsInWindow(), config.estimateWindowSeconds(), sig.averageHandleSeconds(),
                sig.handleSamples(), config.defaultHandleSeconds(), config.estimateMinAnswers(), config.estimateMinHandleSamples()));
    }
}
