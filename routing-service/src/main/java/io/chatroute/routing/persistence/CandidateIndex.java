package io.chatroute.routing.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.RoutingRule;
import io.chatroute.routing.domain.Skills;
import io.chatroute.routing.domain.Target;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The candidate indexes, so that choosing an agent never reads every agent. A routing target is a queue and the
 * skills its chats require (the queue's merged with a rule's); each has, in the queue's partition, a sorted set of
 * the AVAILABLE agents with a free slot who hold those skills, scored by {@link AgentSelector#indexScore} (its first
 * entries are the selector's best), plus O(1) aggregates (able agents, slots, free slots, busy). Every agent script
 * returns the agent's state with a version, and {@link #refresh} puts it into each target the agent serves in one
 * pipelined round trip; an older state never overwrites a newer one.
 * <p>
 * The targets a configuration implies (each queue's own skills, each rule's) are built when queues or rules are
 * saved; one first met otherwise (an overflow or a transfer combining a queue with a rule's skills) is built when first
 * needed, the one time anything reads every agent for routing. Reconciliation refreshes every agent's entries
 * periodically, so an index that missed an update (a target registered on another instance a moment before) heals.
 */
@ApplicationScoped
public class CandidateIndex {
    private static final Logger LOG = Logger.getLogger(CandidateIndex.class);

    private final RoutingStore store;
    public CandidateIndex(RoutingStore store) {
        this.store = store;
    }

    /** The target of a chat in {@code queue} whose rule added {@code ruleSkills}. */
    public static Target target(QueueDefinition queue, Map<String, Integer> ruleSkills) {
        return new Target(queue.id(), Skills.merge(queue.requiredSkills(), ruleSkills));
    }

    /** Every known target of a queue. */
    public List<Target> targetsOf(String queueId) {
        return store.targets().values().stream().filter(t -> t.queueId().equals(queueId)).toList();
    }

    /** Makes sure the target exists and its index is built (reads every agent once, only for a target never seen). */
    public Target ensure(Target target) {
        if (!store.targets().containsKey(target.id()) && store.registerTarget(target)) {
            buildOrForget(List.of(target));
        }
        return target;
    }

    /**
     * As {@link #ensure}, without blocking for a known target; a target never seen is registered and its index built on
     * a worker thread (it reads every agent once).
     */
    public Uni<Target> ensureAsync(Target target) {
        return store.targetsAsync().chain(known -> known.containsKey(target.id()) ? Uni.createFrom().item(target)
                : Uni.createFrom().item(() -> ensure(target)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
    }

    /** The targets implied by the configuration: each queue's own skills, and each rule's queue with the rule's skills. */
    public void ensureConfigured() {
        Map<String, QueueDefinition> queues = store.queues();
        List<Target> fresh = new ArrayList<>();
        for (QueueDefinition q : queues.values()) {
            addIfNew(target(q, Map.of()), fresh);
        }
        for (RoutingRule r : store.rules()) {
            QueueDefinition q = queues.get(r.queueId());
            if (q != null) {
                addIfNew(target(q, r.skillsOrEmpty()), fresh);
            }
        }
        if (!fresh.isEmpty()) {
            buildOrForget(fresh);
        }
    }

    private void addIfNew(Target t, List<Target> fresh) {
        if (!store.targets().containsKey(t.id()) && store.registerTarget(t)) {
            fresh.add(t);
        }
    }

    /** Builds new targets; when that fails they are unregistered again, so the next attempt builds them (not a silent gap). */
    private void buildOrForget(List<Target> targets) {
        try {
            build(targets);
        } catch (RuntimeException e) {
            for (Target t : targets) {
                try {
                    store.unregisterTarget(t);
                } catch (RuntimeException ignored) {
                    // Redis away: reconciliation refreshes every agent's entries in every target it serves
                }
            }
            throw e;
        }
    }

    /** Fills new targets' indexes from every agent's current state (pipelined). */
    private void build(List<Target> targets) {
        List<String> ids = store.agentIds();
        List<AgentState> states = states(ids);
        List<Request> batch = new ArrayList<>();
        for (AgentState a : states) {
            for (Target t : targets) {
                if (t.servedBy(a.skills())) {
                    batch.add(update(t, a, true));
                }
            }
            if (batch.size() >= 500) {
                store.batch(batch);
                batch = new ArrayList<>();
            }
        }
        store.batch(batch);
        LOG.infof("built the candidate index of %d routing target(s) from %d agents", targets.size(), states.size());
    }

    /** The routing state of the given agents (pipelined), for building indexes and reconciliation. */
    public List<AgentState> states(List<String> ids) {
        return store.await(statesAsync(ids));
    }

    /** As {@link #states}, without blocking. */
    public Uni<List<AgentState>> statesAsync(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(new ArrayList<>());
        }
        List<Request> batch = new ArrayList<>(ids.size());
        for (String id : ids) {
            batch.add(Request.cmd(Command.HMGET).arg(store.keys().agent(id)).arg("status").arg("active").arg("max").arg("lastAssignedAt")
                    .arg("ver").arg("skills").arg("grace"));
        }
        return store.pipelines().batch(batch).map(rows -> {
            List<AgentState> out = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) {
                Response r = rows.get(i);
                if (r == null || r.get(4) == null) {
                    continue;
                }
                List<String> tail = new ArrayList<>(AgentState.TAIL);
                for (int j = 0; j < AgentState.TAIL; j++) {
                    tail.add(r.get(j) == null ? (j == 0 ? "OFFLINE" : j == 6 ? "" : j == 5 ? "{}" : "0") : r.get(j).toString());
                }
                out.add(AgentState.fromTail(ids.get(i), tail, store));
            }
            return out;
        });
    }

    /** Puts an agent's new state into every target it serves (one pipelined round trip). */
    public void refresh(AgentState a) {
        refresh(a, null);
    }

    /**
     * As {@link #refresh(AgentState)}; with the agent's previous skills (its profile changed), also takes it out of
     * the targets those served and the new ones do not.
     */
    public void refresh(AgentState a, Map<String, Integer> previousSkills) {
        if (a != null) {
            store.await(refreshAsync(a, previousSkills));
        }
    }

    /** As {@link #refresh(AgentState)}, without blocking. */
    public Uni<Void> refreshAsync(AgentState a) {
        return refreshAsync(a, null);
    }

    private Uni<Void> refreshAsync(AgentState a, Map<String, Integer> previousSkills) {
        if (a == null) {
            return Uni.createFrom().voidItem();
        }
        return store.targetsAsync().chain(targets -> {
            List<Request> batch = new ArrayList<>();
            for (Target t : targets.values()) {
                boolean serves = t.servedBy(a.skills());
                if (serves) {
                    batch.add(update(t, a, true));
                } else if (previousSkills != null && t.servedBy(previousSkills)) {
                    batch.add(update(t, a, false));
                }
            }
            return store.batchAsync(batch);
        });
    }

    private Request update(Target t, AgentState a, boolean member) {
        long score = AgentSelector.indexScore(a.active(), t.skillScore(a.skills()), a.lastAssignedAt());
        return store.targetUpdate(t.queueId(), t.id(), a, member, score);
    }

    /** The queues an agent can serve (those with a target its skills satisfy), for event-driven dispatch. */
    public List<String> queuesServedBy(Map<String, Integer> skills) {
        return served(store.targets(), skills);
    }

    /** As {@link #queuesServedBy}, without blocking when the targets must be read again. */
    public Uni<List<String>> queuesServedByAsync(Map<String, Integer> skills) {
        return store.targetsAsync().map(targets -> served(targets, skills));
    }

    private static List<String> served(Map<String, Target> targets, Map<String, Integer> skills) {
        return targets.values().stream().filter(t -> t.servedBy(skills)).map(Target::queueId).distinct().sorted().toList();
    }
}
