package io.chatroute.routing.messaging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.Hold;
import io.chatroute.routing.domain.HoldCheck;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.Target;
import io.chatroute.routing.persistence.AgentState;
import io.chatroute.routing.persistence.CandidateIndex;
import io.chatroute.routing.persistence.RoutingStore;
import io.chatroute.routing.persistence.RoutingStore.AgentOutcome;
import io.chatroute.routing.persistence.RoutingStore.Outcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Offers a queue's waiting chats, in order (higher priority first, then oldest), to the best eligible agents. No step
 * reads every agent: per routing target it reads the first entries of the candidate index (the agents the selector
 * would rank first) and their states, and decides with {@link AgentSelector}. A page of waiting chats costs a few
 * pipelined round trips whatever the number of agents; each offer is a claim in three steps (the agent's slot, the
 * chat, then the check that the slot is still there) and a lost race re-reads only that agent.
 * <p>
 * It goes on through the whole waiting set while any target of the queue still has a free agent: a chat that nobody
 * can take now (skills, cool-down) never stops a later one from being offered.
 * <p>
 * Handlers do not dispatch inline: they {@link #request} a queue, and a queue is dispatched by one pass of this
 * instance at a time (requests that come while it runs make it run once more, so a burst of chat starts costs one or
 * two passes, not one per chat). Passes wait in {@link DispatchLanes}: the highest-priority queue's next, unless one
 * waited {@code dispatch-priority-aging}. Within a page the choices are made in order (the oldest chat first, each choice
 * counted against the agent for the next) and the claims then run at the same time, so a page of offers costs a few
 * round trips rather than a few per chat. Every queue is also dispatched every {@code dispatch-sweep-interval}: the
 * safety net for a request lost with a crashed instance (the chat's state is in Redis; only the trigger was lost).
 */
@ApplicationScoped
public class Dispatcher {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    private static final int MAX_PAGES = 200;
    private static final int MAX_RETRIES = 3;
    private static final long SLOW_PASS_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final RoutingStore store;
    private final CandidateIndex index;
    private final RoutingConfig config;
    private final Announcer announcer;
    private final WaitingEntries waiting;
    private final MeterRegistry meters;
    /**
     * Dispatch passes: one at a time per lane ({@code dispatch-threads} lanes, a queue always in the same one), the
     * highest priority next unless one waited {@code dispatch-priority-aging}.
     */
    private final DispatchLanes lanes;
    private final ScheduledExecutorService retries;
    private final ConcurrentHashMap<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    /** When each queue's oldest unserved request was made (nanoTime), for the wait-for-a-pass timer. */
    private final ConcurrentHashMap<String, Long> askedAt = new ConcurrentHashMap<>();
    private final Timer passes;
    private final Timer passWaits;
    private volatile boolean stopping;

    /**
     * A pause between a claim's first two steps (the agent's slot taken, the chat not offered yet): null in
     * production; tests set it to play a stall (a GC pause, a slow Redis, a frozen process) during which reconciliation
     * runs.
     */
    interface ClaimStall {
        void between(String agentId, String chatId, String offerId);
    }

    private volatile ClaimStall stall;

    public Dispatcher(RoutingStore store, CandidateIndex index, RoutingConfig config, Announcer announcer, WaitingEntries waiting,
                      MeterRegistry meters) {
        this.store = store;
        this.index = index;
        this.config = config;
        this.announcer = announcer;
        this.waiting = waiting;
        this.meters = meters;
        this.lanes = new DispatchLanes(config.dispatchThreads(), config.dispatchPriorityAging().toNanos(), System::nanoTime);
        this.retries = Executors.newSingleThreadScheduledExecutor(WorkerThreads.named("routing-dispatch-retry-", false));
        this.passes = Timer.builder("chatroute_routing_dispatch_pass_seconds").description("One dispatch pass of one queue")
                .register(meters);
        this.passWaits = Timer.builder("chatroute_routing_dispatch_wait_seconds")
                .description("From a queue's dispatch being asked to its pass starting").register(meters);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        retries.shutdownNow();
    }

    /**
     * Asks for the queue to be dispatched soon on this instance: at once when it is not being dispatched, else once
     * more after the pass that runs (which may have started before the change that asks).
     */
    public void request(String queueId) {
        if (queueId == null || stopping) {
            return;
        }
        AtomicInteger pending = requests.computeIfAbsent(queueId, q -> new AtomicInteger());
        askedAt.putIfAbsent(queueId, System.nanoTime());
        if (pending.getAndIncrement() == 0) {
            submit(queueId, pending);
        }
    }

    private void submit(String queueId, AtomicInteger pending) {
        QueueDefinition queue = store.lastKnownQueues().get(queueId);
        int priority = queue == null || queue.priority() == null ? 0 : queue.priority();
        lanes.submit(queueId, priority, () -> pass(queueId, pending).onFailure().invoke(e ->
                LOG.warnf("dispatch of queue %s ended with %s", queueId, e.toString())));
    }

    /** Whether no pass of this instance runs or waits (tests). */
    boolean idle() {
        return requests.values().stream().allMatch(p -> p.get() == 0);
    }

    /**
     * One pass; when requests came during it, the queue takes its place in the lane again (behind a higher priority's
     * pass, not before the others for ever); a failed pass is retried in 1 s. Never fails.
     */
    private Uni<Void> pass(String queueId, AtomicInteger pending) {
        if (stopping) {
            pending.set(0);
            return Uni.createFrom().voidItem();
        }
        int seen = pending.get();
        long started = System.nanoTime();
        Long asked = askedAt.remove(queueId);
        if (asked != null) {
            passWaits.record(started - asked, TimeUnit.NANOSECONDS);
        }
        return Uni.createFrom().deferred(() -> dispatchAsync(queueId)).onItemOrFailure().transformToUni((offered, failure) -> {
            if (failure != null) {
                pending.set(0);
                if (!stopping) {
                    LOG.warnf("dispatch of queue %s failed, retried in 1 s: %s", queueId, failure.toString());
                    meters.counter("chatroute_routing_dispatch_failures_total").increment();
                    try {
                        retries.schedule(() -> request(queueId), 1, TimeUnit.SECONDS);
                    } catch (RuntimeException stopped) {
                        // shutting down
                    }
                }
                return Uni.createFrom().voidItem();
            }
            long took = System.nanoTime() - started;
            passes.record(took, TimeUnit.NANOSECONDS);
            if (took > SLOW_PASS_NANOS) {
                LOG.warnf("dispatch of queue %s took %d ms (%d offered)", queueId, took / 1_000_000, offered);
            }
            if (!pending.compareAndSet(seen, 0)) {
                // asked again while it ran (the pass may have read before the change that asked): once more, in turn.
                // pending stays above 0 meanwhile, so those requests do not submit a second pass
                pending.set(1);
                submit(queueId, pending);
            }
            return Uni.createFrom().voidItem();
        });
    }

    /** The safety net: every queue is dispatched now and then, whatever the events. */
    @Scheduled(every = "${chatroute.routing.dispatch-sweep-interval:5s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = StartedOnly.class)
    void sweep() {
        try {
            Instant now = Instant.now();
            for (QueueDefinition q : store.queues().values()) {
                request(q.id());
                if (q.businessHours() != null) {
                    // the next closing, while open (re-armed at each sweep, so changed hours take effect)
                    q.businessHours().nextClosing(now)
                            .ifPresent(at -> store.scheduleQueueTimer(q.id(), "close|" + q.id(), at.toEpochMilli()));
                }
            }
        } catch (RuntimeException e) {
            LOG.debugf("dispatch sweep failed, next one retries: %s", e.toString());
        }
    }

    /** The candidates of one target as this dispatch knows them: ids in index order, and whether the index has more. */
    private final class Candidates {
        final String queueId;
        final String targetId;
        final List<String> ids = new ArrayList<>();
        long indexSize;
        boolean loaded;

        Candidates(String queueId, String targetId) {
            this.queueId = queueId;
            this.targetId = targetId;
        }

        boolean more() {
            return !loaded || ids.size() < indexSize;
        }

        /** Reads the next page of the index (entries it already has are skipped). */
        Uni<List<String>> fetch() {
            return store.candidatesAsync(queueId, targetId, ids.size(), config.candidatePage()).map(p -> {
                synchronized (this) {
                    List<String> fresh = new ArrayList<>();
                    for (String id : p.candidates().getOrDefault(targetId, List.of())) {
                        if (!ids.contains(id)) {
                            ids.add(id);
                            fresh.add(id);
                        }
                    }
                    indexSize = p.candidateCounts().getOrDefault(targetId, 0L);
                    if (fresh.isEmpty()) {
                        indexSize = ids.size(); // nothing new: the index holds no more than we have
                    }
                    loaded = true;
                    return fresh;
                }
            });
        }
    }

    /** Dispatches the queue; returns how many chats were offered. */
    public int dispatch(String queueId) {
        return store.await(dispatchAsync(queueId));
    }

    /**
     * As {@link #dispatch}, without blocking: every read and claim is a Redis call answered on the event loop, the
     * choices of a page made in order between them.
     */
    Uni<Integer> dispatchAsync(String queueId) {
        return store.queuesAsync().chain(queues -> {
            QueueDefinition queue = queues.get(queueId);
            if (queue == null) {
                return Uni.createFrom().item(0);
            }
            Instant start = Instant.now();
            if (queue.businessHours() != null && !queue.businessHours().isOpen(start)) {
                return scheduleOpeningAsync(queue, start).replaceWith(0);
            }
            return store.targetsAsync().chain(all -> {
                List<String> targetIds = all.values().stream().filter(t -> t.queueId().equals(queueId)).map(Target::id).toList();
                return store.pageAsync(queueId, 0, config.dispatchPage(), targetIds, null, 0);
            }).chain(first -> {
                if (first.chatIds().isEmpty() || first.candidateCounts().values().stream().allMatch(n -> n == 0)) {
                    return Uni.createFrom().item(0); // nobody waits, or no target of this queue has a free agent
                }
                return new Pass(queue, first).pages(0, first.chatIds(), 0, 0).invoke(offered -> {
                    if (offered > 0) {
                        announcer.touch(queueId);
                    }
                });
            });
        });
    }

    /** One dispatch pass of one queue: what it has read of the candidates and agents, page after page. */
    private final class Pass {
        final QueueDefinition queue;
        final RoutingStore.Page first;
        final Map<String, Candidates> cands = new HashMap<>();
        final Map<String, AgentSnapshot> view = new ConcurrentHashMap<>();

        Pass(QueueDefinition queue, RoutingStore.Page first) {
            this.queue = queue;
            this.first = first;
        }

        Uni<Integer> pages(int page, List<String> chatIds, int offered, long offset) {
            if (page >= MAX_PAGES || chatIds.isEmpty()) {
                return Uni.createFrom().item(offered);
            }
            return store.waitingChatsAsync(queue.id(), chatIds)
                    .chain(chats -> plans(chatIds, chats, 0, new ArrayList<>()))
                    .chain(plans -> claimAll(queue, plans, view))
                    .chain(offeredHere -> {
                        int total = offered + offeredHere;
                        if (!anyOfferable(cands, view, first.candidateCounts()) || chatIds.size() < config.dispatchPage()) {
                            return Uni.createFrom().item(total);
                        }
                        long next = offset + chatIds.size() - offeredHere;
                        return store.pageAsync(queue.id(), next, config.dispatchPage(), List.of(), null, 0)
                                .chain(p -> pages(page + 1, p.chatIds(), total, next));
                    });
        }

        /** The page's choices, in order (the oldest chat first), each counted against its agent for the next. */
        private Uni<List<Plan>> plans(List<String> chatIds, List<RoutingStore.WaitingChat> chats, int i, List<Plan> plans) {
            if (i == chatIds.size()) {
                return Uni.createFrom().item(plans);
            }
            String chatId = chatIds.get(i);
            Map<String, String> chat = chats.get(i).chat();
            Uni<Plan> planned;
            if (!waitingHere(queue.id(), chatId, chat)) {
                planned = staleEntry(queue.id(), chatId, chat).replaceWith((Plan) null);
            } else if (!"QUEUED".equals(chat.get("state"))) {
                planned = Uni.createFrom().nullItem(); // RESERVED: counts for positions, offered after its chat.requested
            } else {
                Uni<Boolean> current = chats.get(i).entryEpoch() < Long.parseLong(chat.getOrDefault("epoch", "0"))
                        // found through the entry of an earlier epoch (a reservation, or a stale entry) before the step that
                        // started this epoch wrote its own: that entry and its first chat.queued come first, so a chat's
                        // chat.queued always precedes its offer; the chat no longer waiting here is left alone
                        ? waiting.ensureIndexedAsync(chatId, queue.id(), null).map(position -> position != 0)
                        : Uni.createFrom().item(true);
                planned = current.chain(ok -> {
                    if (!ok) {
                        return Uni.createFrom().<Plan>nullItem();
                    }
                    Candidates c = cands.computeIfAbsent(chat.get("target"), t -> new Candidates(queue.id(), t));
                    return plan(chatId, chat, c, view);
                });
            }
            return planned.chain(plan -> {
                if (plan != null) {
                    plans.add(plan);
                }
                return plans(chatIds, chats, i + 1, plans);
            });
        }
    }

    /**
     * True while some target may still have an agent to offer to: one not met yet on these pages whose index was not
     * empty, a free agent in view, or index entries not read yet.
     */
    private static boolean anyOfferable(Map<String, Candidates> cands, Map<String, AgentSnapshot> view, Map<String, Long> counts) {
        for (Map.Entry<String, Long> t : counts.entrySet()) {
            if (t.getValue() > 0 && !cands.containsKey(t.getKey())) {
                return true;
            }
        }
        for (Candidates c : cands.values()) {
            if (c.more()) {
                return true;
            }
            for (String id : c.ids) {
                AgentSnapshot a = view.get(id);
                if (a != null && a.status() == io.chatroute.routing.domain.Presence.AVAILABLE && a.active() < a.max()) {
                    return true;
                }
            }
        }
        return cands.isEmpty();
    }

    /** One chat's choice on a page, claimed with the page's others. */
    private record Plan(String chatId, Map<String, String> chat, Candidates candidates, AgentSelector.Selection selection, Instant at) {
    }

    /**
     * Chooses the chat's agent from what this pass knows and counts the chat against it, so that the page's next
     * choices see the agent one chat fuller (as the claim will make it). Null when nobody can take it now.
     */
    private Uni<Plan> plan(String chatId, Map<String, String> chat, Candidates c, Map<String, AgentSnapshot> view) {
        Map<String, Integer> required = store.readSkills(chat.get("requiredSkills"));
        Instant now = Instant.now();
        Set<String> avoided = new HashSet<>();
        Set<String> blocked = new HashSet<>();
        avoidance(chat, now, avoided, blocked);
        return select(c, view, required, avoided, blocked, 0).map(sel -> {
            if (sel == null || !sel.found()) {
                return null;
            }
            AgentSnapshot a = view.get(sel.agentId());
            if (a != null) {
                view.put(a.id(), new AgentSnapshot(a.id(), a.status(), a.active() + 1, a.max(), a.skills(), now.toEpochMilli()));
            }
            return new Plan(chatId, chat, c, sel, now);
        });
    }

    /**
     * Claims the page's choices at the same time; a claim that lost its agent (another instance, or a view gone stale)
     * chooses again for that chat alone. Returns how many chats were offered.
     */
    private Uni<Integer> claimAll(QueueDefinition queue, List<Plan> plans, Map<String, AgentSnapshot> view) {
        if (plans.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        // every claim of the page in flight at once (at most claim-threads), none holding a thread while Redis answers;
        // a failed claim does not stop the others
        List<Uni<Claimed>> running = new ArrayList<>(plans.size());
        for (Plan p : plans) {
            running.add(claimAsync(queue, p.chatId(), p.chat(), p.candidates(), p.selection(), view, p.at())
                    .map(r -> new Claimed(r, null)).onFailure().recoverWithItem(e -> new Claimed("FAILED", e)));
        }
        return Uni.join().all(running).usingConcurrencyOf(Math.max(1, config.claimThreads())).andFailFast().chain(claimed -> {
            for (Claimed c : claimed) {
                if (c.failure() != null) {
                    return Uni.createFrom().failure(c.failure()); // what was claimed stands; the retry dispatches the rest
                }
            }
            return retryLost(queue, plans, claimed, view, 0, 0);
        });
    }

    /** The chats whose claim lost its agent, or whose offer was withdrawn, offered again one by one. */
    private Uni<Integer> retryLost(QueueDefinition queue, List<Plan> plans, List<Claimed> claimed, Map<String, AgentSnapshot> view,
                                   int i, int offered) {
        if (i == plans.size()) {
            return Uni.createFrom().item(offered);
        }
        String r = claimed.get(i).result();
        Plan p = plans.get(i);
        Uni<Boolean> step;
        if ("OFFERED".equals(r)) {
            step = Uni.createFrom().item(true);
        } else if ("AGENT_LOST".equals(r)) {
            step = offerChat(queue, p.chatId(), p.chat(), p.candidates(), view);
        } else if ("WITHDRAWN".equals(r)) { // waiting again in a new epoch (its agent's slot was lost): re-read it
            step = store.chatAsync(p.chatId()).chain(chat -> !queue.id().equals(chat.get("queueId")) || !"QUEUED".equals(chat.get("state"))
                    ? Uni.createFrom().item(false) : offerChat(queue, p.chatId(), chat, p.candidates(), view));
        } else {
            step = Uni.createFrom().item(false);
        }
        return step.chain(done -> retryLost(queue, plans, claimed, view, i + 1, done ? offered + 1 : offered));
    }

    /** A claim's result, or the failure that ended it. */
    private record Claimed(String result, Throwable failure) {
    }

    /** Offers one chat to the best agent of its target, reading more of the index only when needed. */
    private Uni<Boolean> offerChat(QueueDefinition queue, String chatId, Map<String, String> chat, Candidates c,
                                   Map<String, AgentSnapshot> view) {
        return offerChat(queue, chatId, chat, c, view, store.readSkills(chat.get("requiredSkills")), Instant.now(), 0);
    }

    private Uni<Boolean> offerChat(QueueDefinition queue, String chatId, Map<String, String> chat, Candidates c,
                                   Map<String, AgentSnapshot> view, Map<String, Integer> required, Instant now, int attempt) {
        if (attempt >= MAX_RETRIES) {
            return Uni.createFrom().item(false);
        }
        Set<String> avoided = new HashSet<>();
        Set<String> blocked = new HashSet<>();
        avoidance(chat, now, avoided, blocked);
        return select(c, view, required, avoided, blocked, 0).chain(sel -> {
            if (sel == null || !sel.found()) {
                return Uni.createFrom().item(false);
            }
            return claimAsync(queue, chatId, chat, c, sel, view, now).chain(result -> {
                if ("OFFERED".equals(result)) {
                    return Uni.createFrom().item(true);
                }
                if ("CHAT_GONE".equals(result)) {
                    return Uni.createFrom().item(false);
                }
                if ("WITHDRAWN".equals(result)) {
                    // the offer was withdrawn (its agent's slot was lost and the agent is full): the chat waits again, in
                    // a new epoch; another agent may take it now
                    return store.chatAsync(chatId).chain(again -> !queue.id().equals(again.get("queueId"))
                            || !"QUEUED".equals(again.get("state")) ? Uni.createFrom().item(false)
                            : offerChat(queue, chatId, again, c, view, required, Instant.now(), attempt + 1));
                }
                // AGENT_LOST: the view of that agent was refreshed; choose again
                return offerChat(queue, chatId, chat, c, view, required, Instant.now(), attempt + 1);
            });
        });
    }

    /**
     * The selector over the candidates read so far; reads more of the index while the best is not good enough to
     * be sure (nobody eligible, or only an avoided agent while the index has entries not read yet).
     */
    private Uni<AgentSelector.Selection> select(Candidates c, Map<String, AgentSnapshot> view, Map<String, Integer> required,
                                                Set<String> avoided, Set<String> blocked, int round) {
        List<AgentSnapshot> snaps;
        synchronized (c) {
            snaps = new ArrayList<>(c.ids.size());
            for (String id : c.ids) {
                AgentSnapshot a = view.get(id);
                if (a != null) {
                    snaps.add(a);
                }
            }
        }
        AgentSelector.Selection sel = AgentSelector.select(required, snaps, avoided, blocked);
        if ((sel.found() && !sel.winnerAvoided()) || !c.more() || round >= 63) {
            return Uni.createFrom().item(sel);
        }
        return c.fetch().chain(fresh -> index.statesAsync(fresh.stream().filter(id -> !view.containsKey(id)).toList())).chain(states -> {
            for (AgentState st : states) {
                view.put(st.agentId(), st.snapshot());
            }
            return select(c, view, required, avoided, blocked, round + 1);
        });
    }

    /**
     * Claims: the agent's slot, then the chat, then the check that the slot is still there ({@link #confirmOffer}); a
     * lost chat gives the slot back. Returns OFFERED, AGENT_LOST, CHAT_GONE or WITHDRAWN (the offer was made, but its
     * slot had been lost and the agent had no room: withdrawn at once, the chat waits again).
     */
    private Uni<String> claimAsync(QueueDefinition queue, String chatId, Map<String, String> chat, Candidates c,
                                   AgentSelector.Selection sel, Map<String, AgentSnapshot> view, Instant now) {
        String agentId = sel.agentId();
        String offerId = UUID.randomUUID().toString();
        Instant expires = now.plusSeconds(queue.offerTimeout());
        return store.holdAsync(agentId, chatId, offerId, now).chain(held -> {
            Uni<Void> refreshed = Uni.createFrom().voidItem();
            if (held.state() != null) {
                view.put(agentId, held.state().snapshot());
                refreshed = index.refreshAsync(held.state());
            }
            if (!"HELD".equals(held.code())) {
                meters.counter("chatroute_routing_claims_total", "outcome", "agent-lost").increment();
                LOG.debugf("claim of %s for %s lost: %s", chatId, agentId, held.value(0));
                if (held.state() == null) {
                    view.remove(agentId);
                    synchronized (c) {
                        c.ids.remove(agentId);
                    }
                }
                return refreshed.replaceWith("AGENT_LOST");
            }
            return refreshed.chain(() -> stalledAsync(agentId, chatId, offerId))
                    .chain(() -> offerAsync(queue, chatId, chat, c, sel, view, now, agentId, offerId, expires));
        });
    }

    /** The claim's second and third steps, once the agent's slot is held. */
    private Uni<String> offerAsync(QueueDefinition queue, String chatId, Map<String, String> chat, Candidates c,
                                   AgentSelector.Selection sel, Map<String, AgentSnapshot> view, Instant now, String agentId,
                                   String offerId, Instant expires) {
        long epoch = Long.parseLong(chat.getOrDefault("epoch", "0"));
        Map<String, Object> request = store.readMap(chat.get("request"));
        Map<String, Object> offered = new LinkedHashMap<>();
        offered.put("chatId", chatId);
        offered.put("agentId", agentId);
        offered.put("queueId", queue.id());
        offered.put("offerId", offerId);
        offered.put("offeredAt", now.toString());
        offered.put("expiresAt", expires.toString());
        offered.put("visitor", request.getOrDefault("visitor", Map.of()));
        offered.put("form", request.getOrDefault("form", Map.of()));
        offered.put("message", request.get("message"));
        if (chat.get("transferFrom") != null) {
            Map<String, Object> transfer = new LinkedHashMap<>();
            transfer.put("fromAgentId", chat.get("transferFrom"));
            transfer.put("note", chat.get("transferNote"));
            offered.put("transfer", transfer);
        }
        Map<String, Object> decision = decision(queue, chat, c, sel, offerId, now, expires);
        return store.offerAsync(chatId, agentId, offerId, now, expires, epoch, store.write(offered), decision).chain(o -> {
            if ("OFFERED".equals(o.code())) {
                return confirmOfferAsync(agentId, chatId, offerId, "claim", view).chain(confirmed -> {
                    if (confirmed == Confirmed.WITHDRAWN) {
                        return Uni.createFrom().item("WITHDRAWN");
                    }
                    if (confirmed == Confirmed.ENDED) {
                        meters.counter("chatroute_routing_claims_total", "outcome", "chat-gone").increment();
                        return Uni.createFrom().item("CHAT_GONE");
                    }
                    meters.counter("chatroute_routing_claims_total", "outcome", "offered").increment();
                    return store.unindexAsync(queue.id(), chatId, epoch).replaceWith("OFFERED");
                });
            }
            // the chat left (closed, offered by another instance, moved), or this claim stalled so long that
            // reconciliation dropped its slot and fenced the offer (chat_fence.lua): give the slot back (a no-op when
            // reconciliation already did); a fenced chat still waits, so it is chosen for again at once
            boolean fenced = "fenced".equals(o.value(0));
            meters.counter("chatroute_routing_claims_total", "outcome", fenced ? "fenced" : "chat-gone").increment();
            if (fenced) {
                LOG.warnf("claim of chat %s for agent %s: its slot was reconciled away while the claim stalled; the offer was not made",
                        chatId, agentId);
            }
            return giveBack(agentId, chatId, offerId, view).replaceWith(fenced ? "AGENT_LOST" : "CHAT_GONE");
        });
    }

    /** Gives back a slot held for an offer that was not made or has ended (agent_unhold.lua, mode compensate). */
    private Uni<Void> giveBack(String agentId, String chatId, String offerId, Map<String, AgentSnapshot> view) {
        return store.unholdAsync(agentId, chatId, offerId, "compensate", Instant.now(), false).chain(undo -> {
            if (undo.state() == null) {
                return Uni.createFrom().voidItem();
            }
            if (view != null) {
                view.put(agentId, undo.state().snapshot());
            }
            return index.refreshAsync(undo.state());
        });
    }

    /** Sets (null: clears) the pause between a claim's first two steps; tests only. */
    void stallClaims(ClaimStall s) {
        stall = s;
    }

    /** The test seam between a claim's first two steps (see {@link ClaimStall}), on a worker thread. */
    void stalled(String agentId, String chatId, String offerId) {
        ClaimStall s = stall;
        if (s != null) {
            s.between(agentId, chatId, offerId);
        }
    }

    /** As {@link #stalled}; a stall blocks, so it runs on a worker thread, never on the event loop that answered the hold. */
    private Uni<Void> stalledAsync(String agentId, String chatId, String offerId) {
        ClaimStall s = stall;
        if (s == null) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().<Void>item(() -> {
            s.between(agentId, chatId, offerId);
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** What became of an offer after its check: it stands, it was withdrawn (the chat waits again), or it ended otherwise. */
    enum Confirmed {
        STANDS, WITHDRAWN, ENDED
    }

    /**
     * A claim's third step, right after the chat was offered (chat_offer.lua, or chat_transfer.lua for a transfer to
     * an agent): does the agent still hold the offer's slot (agent_confirm.lua)? A claim that stalled between taking the
     * slot and making the offer for longer than {@code reconcile-min-age-millis} may have lost the slot to
     * reconciliation (the chat did not point at the agent yet, so the hold looked stale). The slot is then taken again
     * when the agent has room (REHELD: counted in {@code chatroute_routing_holds_retaken_total{step}} and logged);
     * otherwise (FULL, GONE, CONFLICT) the offer is withdrawn at once: the chat goes back to waiting in its queue at its
     * place ({@code chat.offer.declined} with reason {@code hold-lost}, {@code chat.queued} with reason
     * {@code offer-withdrawn}), counted in {@code chatroute_routing_claims_total{outcome="hold-lost"}} and logged. The
     * agent's load never goes above its cap on this path.
     */
    Confirmed confirmOffer(String agentId, String chatId, String offerId, String step, Map<String, AgentSnapshot> view) {
        return store.await(confirmOfferAsync(agentId, chatId, offerId, step, view));
    }

    /** As {@link #confirmOffer}, without blocking. */
    Uni<Confirmed> confirmOfferAsync(String agentId, String chatId, String offerId, String step, Map<String, AgentSnapshot> view) {
        return store.confirmAsync(agentId, chatId, offerId, "offer", Instant.now()).chain(checked -> {
            HoldCheck check = HoldCheck.parse(checked.code());
            if (check == HoldCheck.HELD) {
                return Uni.createFrom().item(Confirmed.STANDS); // the usual answer: nothing changed, the index was refreshed after the hold
            }
            Uni<Void> refreshed = Uni.createFrom().voidItem();
            if (checked.state() != null) {
                if (view != null) {
                    view.put(agentId, checked.state().snapshot());
                }
                refreshed = index.refreshAsync(checked.state());
            }
            if (check.retaken()) {
                return refreshed.chain(() -> store.chatAsync(chatId)).chain(chat -> {
                    if (!Hold.pointsAt(chat, agentId, offerId)) {
                        // the offer ended meanwhile (expired, declined, closed) and its release found no slot to free: give
                        // back the slot just taken
                        return giveBack(agentId, chatId, offerId, view).replaceWith(Confirmed.ENDED);
                    }
                    meters.counter("chatroute_routing_holds_retaken_total", "step", step).increment();
                    LOG.warnf("agent %s: the slot of offer %s (chat %s) was lost between the claim's steps (reconciled while it"
                            + " stalled); taken again, load %s of %s", agentId, offerId, chatId, checked.value(0),
                            checked.state() == null ? "?" : checked.state().max());
                    return Uni.createFrom().item(Confirmed.STANDS);
                });
            }
            meters.counter("chatroute_routing_claims_total", "outcome", "hold-lost").increment();
            return refreshed.chain(() -> store.releaseAsync(chatId, offerId, agentId, "withdraw", "hold-lost", Instant.now(),
                    "hold-lost:" + offerId)).chain(released -> {
                        LOG.warnf("agent %s: the slot of offer %s (chat %s) was lost between the claim's steps (reconciled while it"
                                + " stalled) and cannot be taken again (%s %s); offer withdrawn: %s", agentId, offerId, chatId, check,
                                checked.value(0), released.code());
                        if (!"RELEASED".equals(released.code())) {
                            return Uni.createFrom().item(Confirmed.ENDED); // accepted (the accept re-takes the slot), closed or moved on
                        }
                        return waiting.ensureIndexedAsync(chatId, released.value(1), "offer-withdrawn").replaceWith(Confirmed.WITHDRAWN);
                    });
        });
    }

    private Map<String, Object> decision(QueueDefinition queue, Map<String, String> chat, Candidates c, AgentSelector.Selection sel,
                                         String offerId, Instant now, Instant expires) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("step", "offered");
        d.put("at", now.toString());
        d.put("queueId", queue.id());
        d.put("target", chat.get("target"));
        d.put("requiredSkills", sel.requiredSkills());
        d.put("agentId", sel.agentId());
        d.put("offerId", offerId);
        d.put("expiresAt", expires.toString());
        d.put("tieBreak", sel.tieBreak());
        // bounded: the ten best candidates considered, and how many the index held (a record stays small with any team)
        List<AgentSelector.Candidate> all = sel.candidates();
        d.put("candidates", all.size() > 10 ? all.subList(0, 10) : all);
        d.put("candidatesConsidered", all.size());
        d.put("candidateCount", Math.max(c.indexSize, all.size()));
        return d;
    }

    /**
     * Who this chat avoids: every agent who declined or missed it ({@code declined:<id>}) or handed it on
     * ({@code avoid:<id>}) is avoided; one who declined or missed it within the cool-down is blocked.
     */
    void avoidance(Map<String, String> chat, Instant now, Set<String> avoided, Set<String> blocked) {
        long cutoff = now.toEpochMilli() - config.declineCooldownSeconds() * 1000L;
        chat.forEach((k, v) -> {
            if (k.startsWith("declined:")) {
                String id = k.substring("declined:".length());
                avoided.add(id);
                if (Long.parseLong(v) > cutoff) {
                    blocked.add(id);
                }
            } else if (k.startsWith("avoid:")) {
                avoided.add(k.substring("avoid:".length()));
            }
        });
    }

    /** True when the entry still stands for a chat waiting in this queue (a stale one is cleaned up: {@link #staleEntry}). */
    private static boolean waitingHere(String queueId, String chatId, Map<String, String> chat) {
        String state = chat.get("state");
        return queueId.equals(chat.get("queueId")) && ("QUEUED".equals(state) || "RESERVED".equals(state));
    }

    /** Removes the waiting entry of a chat that no longer waits in this queue. */
    private Uni<Void> staleEntry(String queueId, String chatId, Map<String, String> chat) {
        String state = chat.get("state");
        long epoch = state == null ? Long.MAX_VALUE : Long.parseLong(chat.getOrDefault("epoch", "0"));
        return store.unindexAsync(queueId, chatId, epoch).replaceWithVoid();
    }

    /** A closed queue with waiting chats wakes up at its next opening (a timer, not a poll). */
    void scheduleOpening(QueueDefinition queue, Instant now) {
        store.await(scheduleOpeningAsync(queue, now));
    }

    private Uni<Void> scheduleOpeningAsync(QueueDefinition queue, Instant now) {
        return store.waitingCountAsync(queue.id()).chain(waitingNow -> {
            java.util.Optional<Instant> at = queue.businessHours().nextOpening(now);
            if (waitingNow == 0 || at.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            return store.scheduleQueueTimerAsync(queue.id(), "open|" + queue.id(), at.get().toEpochMilli());
        });
    }

    /** The queues an agent can serve, highest priority first (dispatch after it freed a slot or became available). */
    public List<String> queuesFor(AgentState a) {
        return byPriority(index.queuesServedBy(a.skills()), store.queues());
    }

    /** As {@link #queuesFor}, without blocking when the configuration must be read again. */
    public Uni<List<String>> queuesForAsync(AgentState a) {
        return index.queuesServedByAsync(a.skills()).chain(served -> store.queuesAsync().map(queues -> byPriority(served, queues)));
    }

    private static List<String> byPriority(List<String> served, Map<String, QueueDefinition> queues) {
        List<String> ids = new ArrayList<>(served);
        ids.removeIf(id -> !queues.containsKey(id));
        ids.sort((x, y) -> {
            int px = queues.get(x).priority() == null ? 0 : queues.get(x).priority();
            int py = queues.get(y).priority() == null ? 0 : queues.get(y).priority();
            return px != py ? Integer.compare(py, px) : x.compareTo(y);
        });
        return ids;
    }

    /** Asks for every queue the agent serves to be dispatched while it can take a chat. */
    public void dispatchFor(AgentState a) {
        if (a == null || !a.offerable()) {
            return;
        }
        for (String q : queuesFor(a)) {
            request(q);
        }
    }

    /** As {@link #dispatchFor}, without blocking when the configuration must be read again. */
    public Uni<Void> dispatchForAsync(AgentState a) {
        if (a == null || !a.offerable()) {
            return Uni.createFrom().voidItem();
        }
        return queuesForAsync(a).invoke(queues -> queues.forEach(this::request)).replaceWithVoid();
    }

    /** Asks for several queues to be dispatched, once each, in order. */
    public void dispatchAll(java.util.Collection<String> queueIds) {
        for (String q : new LinkedHashSet<>(queueIds)) {
            request(q);
        }
    }
}
