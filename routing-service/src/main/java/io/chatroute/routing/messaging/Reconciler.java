package io.chatroute.routing.messaging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.Hold;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.persistence.CandidateIndex;
import io.chatroute.routing.persistence.Keys;
import io.chatroute.routing.persistence.RoutingStore;
import io.chatroute.routing.persistence.RoutingStore.AgentOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Compares each agent's load with the chats it really holds and repairs drift, never silently. An agent's slots are
 * its holds (chat id -> offer); a hold is real while the chat is OFFERED or ASSIGNED to that agent with that offer. A
 * hold older than {@code reconcile-min-age-millis} whose chat says otherwise (a crash between a claim's steps, a
 * release whose agent step never ran) is dropped, and {@code active} is set to the holds left: the change is published
 * ({@code agent.capacity.changed} with {@code reason: "reconciled"} and {@code previousActive}), counted
 * ({@code chatroute_routing_load_reconciled_total}, {@code chatroute_routing_load_drift_total}) and logged. The same
 * pass refreshes the agent's candidate-index entries and dispatches for it when it has room again. A claim that stalls
 * between taking a slot and making its offer for longer than the minimum age loses its hold here, but only after the
 * offer was fenced on its chat ({@code chat_fence.lua}): the stalled claim can no longer make it, so the cap holds.
 * One instance at a time (lease), every {@code reconcile-interval}, agents in pipelined batches.
 */
@ApplicationScoped
public class Reconciler {
    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    private static final int BATCH = 200;

    private final RoutingStore store;
    private final CandidateIndex index;
    private final Dispatcher dispatcher;
    private final Router router;
    private final RoutingConfig config;
    private final MeterRegistry meters;
    private final String owner = UUID.randomUUID().toString();
    private volatile boolean stopping;

    public Reconciler(RoutingStore store, CandidateIndex index, Dispatcher dispatcher, Router router, RoutingConfig config,
                      MeterRegistry meters) {
        this.store = store;
        this.index = index;
        this.dispatcher = dispatcher;
        this.router = router;
        this.config = config;
        this.meters = meters;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Scheduled(every = "${chatroute.routing.reconcile-interval:60s}", delayed = "${chatroute.routing.reconcile-delay:20s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = StartedOnly.class)
    void scheduled() {
        if (stopping) {
            return;
        }
        try {
            if (store.acquireLease(Keys.RECONCILE_LEASE, owner, 120_000)) {
                try {
                    reconcileAll();
                } finally {
                    store.releaseLease(Keys.RECONCILE_LEASE, owner);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("reconciliation failed, will retry: %s", e.toString());
        }
    }

    /** Reconciles every agent; returns how many were repaired. */
    public int reconcileAll() {
        List<String> ids = store.agentIds();
        int repaired = 0;
        for (int i = 0; i < ids.size() && !stopping; i += BATCH) {
            for (String id : ids.subList(i, Math.min(ids.size(), i + BATCH))) {
                try {
                    if (reconcile(id)) {
                        repaired++;
                    }
                } catch (RuntimeException e) {
                    LOG.warnf("reconciling agent %s failed, next pass retries: %s", id, e.toString());
                }
            }
        }
        return repaired;
    }

    /**
     * Reconciles one agent; true when its load was repaired (it is then dispatched for when it has room again), or when
     * it is OFFLINE (no grace) and still held chats: the step that should have given them back failed after its timer
     * or its request was taken (a grace end, a REST OFFLINE), so they are given back now (offers withdrawn, assigned
     * chats back at the front with chat.queued agent-lost).
     */
    public boolean reconcile(String agentId) {
        AgentOutcome o = repair(agentId, config.reconcileMinAgeMillis());
        if ("UNKNOWN".equals(o.code())) {
            return false;
        }
        if (o.state() != null && o.state().status() == Presence.OFFLINE && !o.state().grace()) {
            // the holds whose chats still point at the agent; one whose chat left it is its release's to free (in flight) or
            // a later pass's (once old enough to be stale)
            Map<String, String> holds = store.holds(agentId);
            List<String> ids = new ArrayList<>(holds.keySet());
            List<Map<String, String>> chats = ids.isEmpty() ? List.of() : store.chats(ids);
            List<String> left = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if (Hold.parse(holds.get(ids.get(i))).realFor(agentId, chats.get(i))) {
                    left.add(ids.get(i));
                }
            }
            if (!left.isEmpty()) {
                meters.counter("chatroute_routing_offline_holds_released_total").increment(left.size());
                LOG.warnf("agent %s is OFFLINE but still held %s: given back", agentId, left);
                router.giveBackLeftovers(agentId, left);
                return true;
            }
        }
        if (!"REPAIRED".equals(o.code())) {
            return false;
        }
        dispatcher.dispatchFor(o.state());
        return true;
    }

    /**
     * The load repair of one agent without the dispatch that follows it: drops the holds at least {@code minAgeMillis}
     * old whose chat does not point at the agent with that offer (a hold of an ASSIGNED chat is as real as one of an
     * OFFERED chat), sets {@code active} to the holds left, refreshes the agent's index entries, and counts and logs a
     * repair. Answers UNKNOWN, OK or REPAIRED.
     */
    AgentOutcome repair(String agentId, long minAgeMillis) {
        Instant now = Instant.now();
        Map<String, String> holds = store.holds(agentId);
        Map<String, String> stale = new HashMap<>();
        if (!holds.isEmpty()) {
            List<String> chatIds = new ArrayList<>(holds.keySet());
            List<Map<String, String>> chats = store.chats(chatIds);
            for (int i = 0; i < chatIds.size(); i++) {
                String value = holds.get(chatIds.get(i));
                Hold hold = Hold.parse(value);
                // a stale hold is dropped only once its offer is fenced on the chat: a claim stalled between its
                // steps then cannot make the offer afterwards (and one that made it first makes the hold real)
                if (hold.stale(agentId, chats.get(i), now.toEpochMilli(), minAgeMillis)
                        && "FENCED".equals(store.fence(chatIds.get(i), hold.offerId(), agentId, now).code())) {
                    stale.put(chatIds.get(i), value);
                }
            }
        }
        AgentOutcome o = store.reconcile(agentId, stale, now);
        if ("UNKNOWN".equals(o.code())) {
            return o;
        }
        index.refresh(o.state());
        if ("REPAIRED".equals(o.code())) {
            long before = Long.parseLong(o.value(0));
            long after = Long.parseLong(o.value(1));
            meters.counter("chatroute_routing_load_reconciled_total").increment();
            meters.counter("chatroute_routing_load_drift_total").increment(Math.abs(before - after));
            LOG.warnf("agent %s: load reconciled from %d to %d (%s stale hold(s) dropped: %s)", agentId, before, after, o.value(2),
                    stale.keySet());
        }
        return o;
    }
}
