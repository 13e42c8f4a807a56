package io.chatroute.routing.messaging;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.Hold;
import io.chatroute.routing.domain.HoldCheck;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.Rules;
import io.chatroute.routing.domain.Skills;
import io.chatroute.routing.domain.Target;
import io.chatroute.routing.domain.TransferRequest;
import io.chatroute.routing.persistence.AgentRecord;
import io.chatroute.routing.persistence.AgentState;
import io.chatroute.routing.persistence.CandidateIndex;
import io.chatroute.routing.persistence.RoutingStore;
import io.chatroute.routing.persistence.RoutingStore.AgentOutcome;
import io.chatroute.routing.persistence.RoutingStore.Outcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The routing engine's handlers: the consumed events, the timers and the REST changes. Each is a short sequence of
 * scripts, each on one partition (a chat, an agent, a queue): the chat's script decides and records the event's id;
 * the follow-ups (the agent's slot, the queue's waiting entry, the candidate indexes) are idempotent and run again
 * when the event is redelivered (the chat's script then answers from its marker), so a crash between steps delays
 * them but never loses them; what only a timer drove is repaired by the idx timer (a chat's waiting entry) and by
 * reconciliation (an agent's slots). Dispatch follows every event that can make an offer possible, at once, for the
 * queues concerned. Blocking: runs on worker threads.
 */
@ApplicationScoped
public class Router {
    private static final Logger LOG = Logger.getLogger(Router.class);

    private final RoutingStore store;
    private final CandidateIndex index;
    private final Dispatcher dispatcher;
    private final Announcer announcer;
    private final WaitingEntries waiting;
    private final RoutingConfig config;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final TransientRetry retry;

    public Router(RoutingStore store, CandidateIndex index, Dispatcher dispatcher, Announcer announcer, WaitingEntries waiting,
                  RoutingConfig config, ObjectMapper json, MeterRegistry meters, TransientRetry retry) {
        this.store = store;
        this.index = index;
        this.dispatcher = dispatcher;
        this.announcer = announcer;
        this.waiting = waiting;
        this.config = config;
        this.json = json;
        this.meters = meters;
        this.retry = retry;
    }

    // ------------------------------------------------------------ chat.requested

    /**
     * chat.requested, without blocking: the rules and queues (cached), the chat's script, its waiting entry, the
     * dispatch request and the arrival's count, each step a Redis call answered on the event loop. Only the rare steps
     * (a chat with no queue; a routing target never seen, whose index is built from every agent) run on a worker.
     */
    public Uni<Void> onChatRequestedAsync(String eventId, JsonNode data) {
        String chatId = text(data, "chatId");
        Map<String, Object> form = map(data.get("form"));
        return store.rulesAsync().chain(rules -> store.queuesAsync().chain(queues -> {
            Rules.Evaluation ev = Rules.evaluate(rules, queues, form);
            QueueDefinition queue;
            String ruleId;
            Map<String, Integer> ruleSkills;
            int priority;
            if (ev.matched()) {
                queue = ev.queue();
                ruleId = ev.rule().id();
                ruleSkills = ev.rule().skillsOrEmpty();
                priority = ev.priority();
            } else {
                String fallback = text(data, "queueId");
                queue = fallback == null ? null : queues.get(fallback);
                if (queue == null) {
                    return Uni.createFrom().item(() -> {
                        notRouted(chatId, fallback, eventId);
                        return (Void) null;
                    }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
                }
                ruleId = "session-queue";
                ruleSkills = Map.of();
                priority = queue.priority() == null ? 0 : queue.priority();
            }
            return index.ensureAsync(CandidateIndex.target(queue, ruleSkills))
                    .chain(target -> enqueue(eventId, data, chatId, form, ev, queue, ruleId, ruleSkills, priority, target));
        }));
    }

    /**
     * Accepted by session-service without routing's evaluation (routing was away), or a rule set that leaves a form
     * without a queue: the chat is closed here and session-service told, so the visitor does not wait for ever.
     */
    private void notRouted(String chatId, String fallback, String eventId) {
        LOG.warnf("chat %s matches no routing rule and names no known queue (%s); not routed", chatId, fallback);
        Instant now = Instant.now();
        Map<String, Object> failed = new LinkedHashMap<>();
        failed.put("chatId", chatId);
        failed.put("reason", "no-queue");
        failed.put("queueId", fallback);
        failed.put("failedAt", now.toString());
        Outcome closed = store.notRouted(chatId, failed, now, eventId);
        if ("CLOSED".equals(closed.code()) && "RESERVED".equals(closed.value(2)) && !closed.value(1).isEmpty()) {
            // a place reserved at evaluation in a queue deleted since: its waiting entry goes with the chat
            store.unindex(closed.value(1), chatId, Long.parseLong(closed.value(3)));
            announcer.touch(closed.value(1));
        }
        meters.counter("chatroute_routing_not_routed_total", "reason", "no-queue").increment();
    }

    private Uni<Void> enqueue(String eventId, JsonNode data, String chatId, Map<String, Object> form, Rules.Evaluation ev,
                              QueueDefinition queue, String ruleId, Map<String, Integer> ruleSkills, int priority, Target target) {
        Instant now = Instant.now();
        boolean open = queue.businessHours() == null || queue.businessHours().isOpen(now);
        Instant nextOpen = open ? null : queue.businessHours().nextOpening(now).orElse(null);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("visitor", visitor(data.get("visitor")));
        request.put("form", form);
        request.put("message", text(data, "message"));
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("step", "queued");
        decision.put("at", now.toString());
        decision.put("ruleId", ruleId);
        decision.put("queueId", queue.id());
        decision.put("requiredSkills", target.skills());
        decision.put("priority", priority);
        decision.put("open", open);
        if (!open) {
            decision.put("nextOpenAt", nextOpen == null ? null : nextOpen.toString());
        }
        decision.put("rules", ev.checks());
        Map<String, Object> offline = null;
        if (!open) {
            offline = new LinkedHashMap<>();
            offline.put("chatId", chatId);
            offline.put("queueId", queue.id());
            offline.put("ruleId", ruleId);
            offline.put("requiredSkills", target.skills());
            offline.put("priority", priority);
            offline.put("status", "OFFLINE");
            offline.put("reason", "closed");
            offline.put("nextOpenAt", nextOpen == null ? null : nextOpen.toString());
            offline.put("queuedAt", now.toString());
        }
        // the chat waits from when its visitor asked (requestedAt; unreadable: now)
        return store.enqueueAsync(chatId, eventId, now, instant(text(data, "requestedAt")), queue.id(), ruleId, target, ruleSkills,
                priority, request, decision, offline, overflowAfter(queue)).chain(o -> {
                    if (!"QUEUED".equals(o.code())) {
                        return Uni.createFrom().voidItem();
                    }
                    long epoch = Long.parseLong(o.value(0));
                    String reservedIn = o.value(2);
                    Uni<Void> moved = Uni.createFrom().voidItem();
                    if (reservedIn != null && !reservedIn.isEmpty() && !reservedIn.equals(queue.id())) {
                        moved = store.unindexAsync(reservedIn, chatId, epoch - 1).invoke(() -> announcer.touch(reservedIn)).replaceWithVoid();
                    }
                    return moved.chain(() -> waiting.ensureIndexedAsync(chatId, queue.id(), "enqueued"))
                            // the dispatch pass first: the arrival's count (idempotent by its member) does not delay the offer
                            .invoke(() -> dispatcher.request(queue.id()))
                            .chain(() -> store.countQueueAsync(queue.id(), "arrived", "arrived:" + chatId, 0, false, chatId, now))
                            .replaceWithVoid();
                });
    }

    private static Long overflowAfter(QueueDefinition q) {
        return q.overflow() == null || q.overflow().afterSeconds() == null ? null : q.overflow().afterSeconds() * 1000L;
    }

    /** See {@link WaitingEntries#ensureIndexed}. */
    public long ensureIndexed(String chatId, String queueId, String reason) {
        return waiting.ensureIndexed(chatId, queueId, reason);
    }

    /**
     * session-service's evaluation with a chat id: the chat's place is taken now (RESERVED), so the 201's position is
     * its real rank; the same chat asked again keeps its place. Returns the 1-based position.
     */
    public Uni<Long> reserveAsync(String chatId, QueueDefinition queue, Target target, int priority, Instant now) {
        return store.reserveAsync(chatId, queue.id(), target, priority, now).chain(o -> {
            String queueId = o.value(0);
            if ("RESERVED".equals(o.code())) {
                return waiting.ensureIndexedAsync(chatId, queueId, "reserved");
            }
            return queueId != null && !queueId.isEmpty() ? store.positionAsync(queueId, chatId) : Uni.createFrom().item(0L);
        }).chain(position -> position > 0 ? Uni.createFrom().item(position) : store.waitingCountAsync(queue.id()).map(n -> n + 1));
    }

    /** Gives back a reservation never confirmed by chat.requested, older than the cut-off: DROPPED or KEPT. */
    public Outcome unreserve(String chatId, Instant olderThan) {
        Outcome o = store.unreserve(chatId, olderThan);
        if ("DROPPED".equals(o.code())) {
            store.unindex(o.value(0), chatId, Long.parseLong(o.value(1)), false);
            announcer.touch(o.value(0));
        }
        return o;
    }

    // ------------------------------------------------------------ accept, decline, close

    /**
     * chat.offer.accepted, without blocking: the chat and the agent read at the same time, the accept script, the
     * agent's slot touched, the answer counted. The rare repair of a lost slot ({@link #retakeAccepted}) runs on a worker.
     */
    public Uni<Void> onOfferAcceptedAsync(String eventId, JsonNode data) {
        String chatId = text(data, "chatId");
        String agentId = text(data, "agentId");
        String offerId = text(data, "offerId");
        Instant now = Instant.now();
        Instant acceptedAt = instant(text(data, "acceptedAt"));
        return Uni.combine().all().unis(store.chatAsync(chatId), store.agentAsync(agentId)).asTuple().chain(read -> {
            Map<String, String> chat = read.getItem1();
            Map<String, Object> assigned = new LinkedHashMap<>();
            assigned.put("chatId", chatId);
            assigned.put("agentId", agentId);
            assigned.put("queueId", chat.getOrDefault("queueId", "unknown"));
            assigned.put("offerId", offerId);
            assigned.put("assignedAt", now.toString());
            assigned.put("agent", agentView(agentId, read.getItem2()));
            return store.acceptAsync(chatId, agentId, offerId, now, acceptedAt, store.write(assigned), eventId);
        }).chain(o -> {
            if (!"ASSIGNED".equals(o.code()) && !"ALREADY".equals(o.code())) {
                return Uni.createFrom().voidItem();
            }
            return store.touchAsync(agentId, chatId, offerId, now).chain(touched -> "NOT_HELD".equals(touched.code())
                    ? Uni.createFrom().item(() -> {
                        retakeAccepted(agentId, chatId, offerId);
                        return (Void) null;
                    }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    : Uni.createFrom().voidItem()).chain(() -> {
                        String queueId = o.value(0);
                        if (queueId == null || queueId.isEmpty()) {
                            return Uni.createFrom().voidItem();
                        }
                        long waited = Math.max(0, Long.parseLong(o.value(1)));
                        String fact = chatId + ":" + o.value(2);
                        return store.queuesAsync().chain(queues -> {
                            QueueDefinition q = queues.get(queueId);
                            int target = q == null ? QueueDefinition.DEFAULT_SERVICE_LEVEL_TARGET : q.serviceLevelTarget();
                            return store.countQueueAsync(queueId, "answered", "answered:" + fact, waited, waited <= target * 1000L, fact, now);
                        }).invoke(() -> announcer.touch(queueId)).replaceWithVoid(); // throughput changed: the estimates of those waiting
                    });
        });
    }

    /**
     * An accepted chat whose agent had no slot for it (agent_touch.lua answered NOT_HELD: the hold was lost, e.g.
     * dropped by reconciliation while a claim stalled, and the offer was accepted before it could be withdrawn): the
     * chat is the agent's now, so its slot is taken again whatever the cap (the load may then be above it: announced,
     * counted in {@code chatroute_routing_holds_retaken_total{step="accept"}} and logged, never hidden). A chat that
     * left the agent meanwhile (closed, re-queued: its release found no slot) gets the slot given back at once.
     */
    private void retakeAccepted(String agentId, String chatId, String offerId) {
        if (!Hold.assignedTo(store.chat(chatId), agentId, offerId)) {
            return; // a redelivered accept of a chat that has left the agent since: its slot was freed by its release
        }
        AgentOutcome r = store.confirm(agentId, chatId, offerId, "assigned", Instant.now());
        index.refresh(r.state());
        HoldCheck check = HoldCheck.parse(r.code());
        if (!check.retaken()) {
            return; // HELD: the hold is there after all; UNKNOWN: no such agent
        }
        if (!Hold.assignedTo(store.chat(chatId), agentId, offerId)) {
            index.refresh(store.unhold(agentId, chatId, offerId, "compensate", Instant.now()).state());
            return;
        }
        meters.counter("chatroute_routing_holds_retaken_total", "step", "accept").increment();
        AgentState s = r.state();
        LOG.warnf("agent %s: accepted chat %s (offer %s) had no slot; taken again (%s%s), load %s of %s", agentId, chatId, offerId, check,
                check == HoldCheck.ADOPTED ? " from " + r.value(0) : "", s == null ? "?" : s.active(), s == null ? "?" : s.max());
        agentChanged(s);
    }

    public Uni<Void> onOfferDeclinedAsync(String eventId, JsonNode data) {
        String chatId = text(data, "chatId");
        return store.releaseAsync(chatId, text(data, "offerId"), text(data, "agentId"), "decline", text(data, "reason"), Instant.now(),
                eventId).chain(o -> "RELEASED".equals(o.code()) ? afterReleaseAsync(chatId, o, "decline", "declined")
                        : Uni.createFrom().voidItem());
    }

    /**
     * session-service's chat.offer.delivered: the offer reached the agent's socket, so its timeout will count as a
     * missed offer. Recorded on the chat while the offer stands; one for an offer already gone (it came after the
     * offer's expiry was handled) changes nothing: that timeout counted as undelivered.
     */
    public Uni<Void> onOfferDeliveredAsync(String eventId, JsonNode data) {
        String chatId = text(data, "chatId");
        return store.deliveredAsync(chatId, text(data, "offerId"), text(data, "agentId"), eventId).invoke(o -> {
            if (!o.replay()) {
                meters.counter("chatroute_routing_offers_delivered_total", "outcome", "DELIVERED".equals(o.code()) ? "recorded" : "ignored")
                        .increment();
            }
        }).replaceWithVoid();
    }

    /**
     * The follow-ups of a chat given back by its agent: the agent's slot, the indexes, the chat's waiting entry, then
     * dispatch of the chat's queue and of the queues the agent serves. A timed-out offer counts as a missed offer only
     * when it was delivered (chat_release.lua's last value); an undelivered one frees the slot and counts nothing.
     */
    private void afterRelease(String chatId, Outcome o, String mode, String reason) {
        store.await(afterReleaseAsync(chatId, o, mode, reason));
    }

    private Uni<Void> afterReleaseAsync(String chatId, Outcome o, String mode, String reason) {
        String agentId = o.value(0);
        String queueId = o.value(1);
        boolean undelivered = "timeout".equals(mode) && !"1".equals(o.value(8));
        if ("timeout".equals(mode) && !o.replay()) {
            meters.counter("chatroute_routing_offers_expired_total", "delivered", String.valueOf(!undelivered)).increment();
        }
        return store.unholdAsync(agentId, chatId, o.value(6), mode, Instant.now(), undelivered).chain(u -> {
            countDoubleRelease(u, o.replay(), agentId, chatId, mode);
            Uni<List<String>> served = u.state() != null && u.state().offerable() ? dispatcher.queuesForAsync(u.state())
                    : Uni.createFrom().item(List.of());
            return index.refreshAsync(u.state())
                    .chain(() -> waiting.ensureIndexedAsync(chatId, queueId, reason))
                    .chain(() -> served)
                    .invoke(more -> {
                        List<String> queues = new ArrayList<>();
                        queues.add(queueId);
                        queues.addAll(more);
                        dispatcher.dispatchAll(queues);
                    }).replaceWithVoid();
        });
    }

    /**
     * An agent's presence, cap or load changed: the estimated waits of the queues it serves may have too (announced
     * within the interval, coalesced per queue).
     */
    private void agentChanged(AgentState state) {
        if (state != null) {
            index.queuesServedBy(state.skills()).forEach(announcer::touch);
        }
    }

    private Uni<Void> agentChangedAsync(AgentState state) {
        if (state == null) {
            return Uni.createFrom().voidItem();
        }
        return index.queuesServedByAsync(state.skills()).invoke(queues -> queues.forEach(announcer::touch)).replaceWithVoid();
    }

    private void countDoubleRelease(AgentOutcome u, boolean replay, String agentId, String chatId, String mode) {
        if ("NOT_HELD".equals(u.code()) && !replay) {
            // the chat said this agent held it, but the agent's slot was already free: visible, never clamped away
            meters.counter("chatroute_routing_double_release_total", "mode", mode).increment();
            LOG.warnf("agent %s did not hold chat %s when it was released (%s): a double release; reconciliation checks its load",
                    agentId, chatId, mode);
        }
    }

    public Uni<Void> onChatClosedAsync(String eventId, JsonNode data) {
        String chatId = text(data, "chatId");
        Instant now = Instant.now();
        return store.closeAsync(chatId, now, eventId).chain(o -> {
            if (!"CLOSED".equals(o.code())) {
                return Uni.createFrom().voidItem();
            }
            String held = o.value(0);
            String queueId = o.value(1);
            String previous = o.value(2);
            Uni<Void> steps = Uni.createFrom().voidItem();
            if (queueId != null && !queueId.isEmpty()) {
                if ("QUEUED".equals(previous) || "RESERVED".equals(previous)) {
                    steps = steps.chain(() -> store.unindexAsync(queueId, chatId, Long.parseLong(o.value(3))))
                            .invoke(() -> announcer.touch(queueId)).replaceWithVoid();
                }
                if ("QUEUED".equals(previous) || "OFFERED".equals(previous)) {
                    steps = steps.chain(() -> store.countQueueAsync(queueId, "abandoned", "abandoned:" + chatId, 0, false, chatId, now))
                            .replaceWithVoid();
                }
                String assignedAt = o.value(5);
                if ("ASSIGNED".equals(previous) && assignedAt != null && !assignedAt.isEmpty()) {
                    steps = steps.chain(() -> store.countQueueAsync(queueId, "handled", "handled:" + chatId,
                            Math.max(0, now.toEpochMilli() - Long.parseLong(assignedAt)), false, chatId, now)).replaceWithVoid();
                }
            }
            if (held != null && !held.isEmpty()) {
                steps = steps.chain(() -> store.unholdAsync(held, chatId, o.value(6), "closed", now, false)).chain(u -> {
                    countDoubleRelease(u, o.replay(), held, chatId, "closed");
                    return index.refreshAsync(u.state()).chain(() -> agentChangedAsync(u.state()))
                            .chain(() -> dispatcher.dispatchForAsync(u.state()));
                });
            }
            return steps;
        });
    }

    // ------------------------------------------------------------ presence

    /**
     * session-service's request. An OFFLINE from session is what it sends when the agent's last socket closed: the
     * agent gets the grace period (AWAY, keeps its chats, its waiting offers withdrawn) before it is OFFLINE. Any other
     * status ends a grace period and applies at once. Should session-service add a {@code reason} to the event, an
     * OFFLINE with a reason other than {@code disconnected} (the agent chose it) applies at once too.
     */
    public void onPresenceRequested(String eventId, JsonNode data) {
        Presence status = Presence.parse(text(data, "status"));
        String agentId = text(data, "agentId");
        if (status == null || agentId == null) {
            LOG.warnf("ignoring agent.presence.requested %s without a valid agent or status", eventId);
            return;
        }
        AgentOutcome o;
        // forward-compatible: an (additive) reason other than "disconnected" marks a deliberate OFFLINE, applied at once
        String reason = text(data, "reason");
        boolean disconnect = reason == null || "disconnected".equals(reason);
        if (status == Presence.OFFLINE && disconnect && config.disconnectGraceSeconds() > 0) {
            o = store.presence(agentId, "disconnect", status, eventId, UUID.randomUUID().toString(), Instant.now(),
                    socketVersion(data));
        } else {
            o = store.presence(agentId, "set", status, eventId, null, Instant.now());
        }
        if ("UNKNOWN".equals(o.code())) {
            LOG.warnf("presence requested for unknown agent %s; ignored", agentId);
            return;
        }
        afterPresence(agentId, status, o, eventId);
    }

    /**
     * session-service's agent.connected: one of the agent's sockets opened. Within a grace period (the last socket had
     * closed) the grace ends and the agent gets back the status it had, keeping its chats; otherwise nothing changes.
     */
    public void onAgentConnected(String eventId, JsonNode data) {
        String agentId = text(data, "agentId");
        if (agentId == null) {
            LOG.warnf("ignoring agent.connected %s without an agent", eventId);
            return;
        }
        AgentOutcome o = store.presence(agentId, "reconnect", null, eventId, null, Instant.now(), socketVersion(data));
        if ("UNKNOWN".equals(o.code()) || !"CHANGED".equals(o.code())) {
            return;
        }
        index.refresh(o.state());
        agentChanged(o.state());
        dispatcher.dispatchFor(o.state());
    }

    /** session's socket version (an addition to its presence events), null when absent. */
    private static Long socketVersion(JsonNode data) {
        JsonNode v = data.get("socketVersion");
        return v != null && v.canConvertToLong() ? v.asLong() : null;
    }

    /** Changes an agent's presence at once (REST): OFFLINE gives its chats back now. */
    public AgentOutcome setPresence(String agentId, Presence status) {
        String marker = "rest:" + UUID.randomUUID();
        AgentOutcome o = store.presence(agentId, "set", status, marker, null, Instant.now());
        if (!"UNKNOWN".equals(o.code())) {
            afterPresence(agentId, status, o, marker);
        }
        return o;
    }

    private void afterPresence(String agentId, Presence status, AgentOutcome o, String marker) {
        index.refresh(o.state());
        agentChanged(o.state());
        List<String> held = csv(o.value(1));
        if ("GRACE".equals(o.code())) {
            giveBack(agentId, held, "withdraw", "agent-disconnected", marker);
        } else if (status == Presence.OFFLINE) {
            giveBack(agentId, held, "agent-gone", "agent-offline", marker);
        } else if (status == Presence.AVAILABLE) {
            dispatcher.dispatchFor(o.state());
        }
    }

    /** Chats an OFFLINE agent still held (reconciliation found them): given back as when it went OFFLINE. */
    public void giveBackLeftovers(String agentId, List<String> chatIds) {
        giveBack(agentId, chatIds, "agent-gone", "agent-offline", "reconciled:" + UUID.randomUUID());
    }

    /**
     * The chats of an agent who went away: waiting offers withdrawn (withdraw), and with agent-gone its assigned
     * chats re-queued at the front of their queues. A hold whose chat no longer points at the agent is left to the
     * release in flight (or to reconciliation).
     */
    private void giveBack(String agentId, List<String> chatIds, String mode, String reason, String marker) {
        List<String> queues = new ArrayList<>();
        for (String chatId : chatIds) {
            Outcome o = store.release(chatId, "", agentId, mode, reason, Instant.now(), mode + ":" + marker + ":" + chatId);
            if ("RELEASED".equals(o.code())) {
                AgentOutcome u = store.unhold(agentId, chatId, o.value(6), mode, Instant.now());
                countDoubleRelease(u, o.replay(), agentId, chatId, mode);
                index.refresh(u.state());
                ensureIndexed(chatId, o.value(1), "F".equals(o.value(4)) ? "agent-lost" : "offer-withdrawn");
                queues.add(o.value(1));
            }
            // IGNORED: the chat no longer points at the agent. Its slot is left alone: the release that moved the chat
            // away (a decline, a timeout, a close) frees it in its own next step, and one that never comes (a crash
            // between its steps) is reconciliation's, after its minimum age. Freeing it here raced that release, which
            // then found nothing and counted a double release (routing-it in CI, 2026-12-06).
        }
        dispatcher.dispatchAll(queues);
    }

    // ------------------------------------------------------------ agents (REST)

    /** A profile saved: the indexes follow the agent's skills and cap; a raised cap or new skills trigger dispatch. */
    public AgentOutcome upsertAgent(String agentId, io.chatroute.routing.domain.AgentProfile profile) {
        AgentOutcome o = store.upsertAgent(agentId, profile, Instant.now());
        Map<String, Integer> previous = "UPDATED".equals(o.code()) ? store.readSkills(o.value(1)) : Map.of();
        index.refresh(o.state(), previous);
        agentChanged(o.state());
        dispatcher.dispatchFor(o.state());
        return o;
    }

    // ------------------------------------------------------------ transfers

    /** chat.transfer.requested (from session-service): to a queue or an agent, keeping the chat's age. */
    public void onTransferRequested(String eventId, JsonNode data) {
        TransferRequest r = new TransferRequest(text(data, "chatId"), text(data, "requestId"), text(data, "fromAgentId"),
                text(data, "queueId"), text(data, "agentId"), text(data, "note"), text(data, "requestedBy"));
        String chatId = r.chatId();
        Instant now = Instant.now();
        String malformed = r.malformed();
        if (malformed != null) {
            fail(r, eventId, malformed, now);
            return;
        }
        Map<String, String> chat = store.chat(chatId);
        Map<String, Integer> ruleSkills = store.readSkills(chat.get("ruleSkills"));
        if (r.toAgent()) {
            transferToAgent(r, eventId, chat, now);
            return;
        }
        QueueDefinition queue = store.queue(r.queueId()).orElse(null);
        if (queue == null) {
            fail(r, eventId, "unknown-queue", now);
            return;
        }
        Target target = index.ensure(CandidateIndex.target(queue, ruleSkills));
        Outcome o = store.transfer(chatId, eventId, r.requestId(), r.fromAgentId(), "queue", queue.id(), target, null, r.note(), null,
                null, null, null, now);
        if (!"QUEUED".equals(o.code())) {
            return;
        }
        AgentOutcome u = store.unhold(r.fromAgentId(), chatId, o.value(5), "transfer", now);
        countDoubleRelease(u, o.replay(), r.fromAgentId(), chatId, "transfer");
        index.refresh(u.state());
        ensureIndexed(chatId, queue.id(), "transferred");
        List<String> queues = new ArrayList<>(List.of(queue.id()));
        if (u.state() != null && u.state().offerable()) {
            queues.addAll(dispatcher.queuesFor(u.state()));
        }
        dispatcher.dispatchAll(queues);
    }

    private void transferToAgent(TransferRequest r, String eventId, Map<String, String> chat, Instant now) {
        String chatId = r.chatId();
        if (store.agent(r.agentId()).isEmpty()) {
            fail(r, eventId, "unknown-agent", now);
            return;
        }
        if (!"ASSIGNED".equals(chat.get("state")) || !r.fromAgentId().equals(chat.get("agentId"))) {
            fail(r, eventId, "not-assigned", now);
            return;
        }
        QueueDefinition queue = store.queue(chat.get("queueId")).orElse(null);
        int timeout = queue == null ? QueueDefinition.DEFAULT_OFFER_TIMEOUT : queue.offerTimeout();
        String offerId = UUID.randomUUID().toString();
        Instant expires = now.plusSeconds(timeout);
        AgentOutcome held = store.hold(r.agentId(), chatId, offerId, now);
        index.refresh(held.state());
        if ("HELD".equals(held.code())) {
            dispatcher.stalled(r.agentId(), chatId, offerId);
        } else {
            Outcome f = fail(r, eventId, "agent-unavailable", now);
            if ("OFFERED".equals(f.code())) {
                releaseTransferred(r, f, now); // a redelivery of a transfer applied before: finish its follow-up
            }
            return;
        }
        Map<String, Object> request = store.readMap(chat.get("request"));
        Map<String, Object> offered = new LinkedHashMap<>();
        offered.put("chatId", chatId);
        offered.put("agentId", r.agentId());
        offered.put("queueId", chat.get("queueId"));
        offered.put("offerId", offerId);
        offered.put("offeredAt", now.toString());
        offered.put("expiresAt", expires.toString());
        offered.put("visitor", request.getOrDefault("visitor", Map.of()));
        offered.put("form", request.getOrDefault("form", Map.of()));
        offered.put("message", request.get("message"));
        Map<String, Object> transfer = new LinkedHashMap<>();
        transfer.put("fromAgentId", r.fromAgentId());
        transfer.put("note", r.note());
        offered.put("transfer", transfer);
        Outcome o = store.transfer(chatId, eventId, r.requestId(), r.fromAgentId(), "agent", null, null, r.agentId(), r.note(), null,
                offerId, expires, store.write(offered), now);
        if (!"OFFERED".equals(o.code()) || o.replay()) {
            // the chat was not the previous agent's any more (or this is a redelivery): give the target's slot back
            index.refresh(store.unhold(r.agentId(), chatId, offerId, "compensate", Instant.now()).state());
        }
        if ("OFFERED".equals(o.code())) {
            Dispatcher.Confirmed confirmed = o.replay() ? Dispatcher.Confirmed.STANDS
                    : dispatcher.confirmOffer(r.agentId(), chatId, offerId, "transfer", null);
            releaseTransferred(r, o, now);
            if (confirmed == Dispatcher.Confirmed.WITHDRAWN) {
                dispatcher.request(chat.get("queueId")); // the chat waits in its queue again, for anyone eligible
            }
        }
    }

    /** The previous agent's slot of a chat transferred to an agent is freed, and that agent may get another chat. */
    private void releaseTransferred(TransferRequest r, Outcome o, Instant now) {
        AgentOutcome u = store.unhold(r.fromAgentId(), r.chatId(), o.value(2), "transfer", now);
        countDoubleRelease(u, o.replay(), r.fromAgentId(), r.chatId(), "transfer");
        index.refresh(u.state());
        dispatcher.dispatchFor(u.state());
    }

    private Outcome fail(TransferRequest r, String eventId, String reason, Instant now) {
        return store.transfer(r.chatId(), eventId, r.requestId(), r.fromAgentId(), "fail", null, null, null, null, reason, null, null, null, now);
    }

    // ------------------------------------------------------------ timers

    /**
     * One due timer of a partition (see {@link Timers}). A kind that changes state claims its member in the same script
     * as the change (exp, ovf, unres, grace), and a failed follow-up is retried with back-off (see {@link #followUp}).
     * The others (cool, idx, open, close) do work that is safe to repeat, and remove their member only after it ran: a
     * failure in between leaves the timer due and {@link Timers} tries it again (until 2026-12-05 they removed it first,
     * and a Redis failure lost that one check).
     */
    void onTimer(int partition, String member) {
        String[] p = member.split("\\|", 3);
        String kind = p[0];
        String id = p.length > 1 ? p[1] : "";
        String token = p.length > 2 ? p[2] : "";
        Instant now = Instant.now();
        switch (kind) {
            case "exp" -> {
                Outcome o = store.release(id, token, "", "timeout", "timeout", now, "exp:" + id + ":" + token);
                if ("RELEASED".equals(o.code())) {
                    followUp(member, kind, again -> afterRelease(id, again ? o.asReplay() : o, "timeout", "expired"));
                }
            }
            case "ovf" -> overflow(partition, member, id, Long.parseLong(token), now);
            case "cool" -> repeatable(partition, member, kind, now, () -> {
                Map<String, String> chat = store.chat(id);
                if ("QUEUED".equals(chat.get("state")) && chat.get("queueId") != null) {
                    dispatcher.request(chat.get("queueId"));
                }
            });
            case "idx" -> repeatable(partition, member, kind, now, () -> waiting.repair(id, token));
            case "unres" -> {
                Outcome o = store.unreserve(id, now.minusSeconds(config.reservationTimeoutSeconds()), true);
                if ("DROPPED".equals(o.code())) {
                    LOG.infof("chat %s: reservation never confirmed by chat.requested, given back", id);
                    followUp(member, kind, again -> {
                        store.unindex(o.value(0), id, Long.parseLong(o.value(1)), false);
                        announcer.touch(o.value(0));
                    });
                }
            }
            case "grace" -> {
                AgentOutcome o = store.presence(id, "grace-end", null, null, token, now);
                if ("CHANGED".equals(o.code())) {
                    // each chat's release is idempotent on its own event id: a retry replays those already given back
                    followUp(member, kind, again -> {
                        index.refresh(o.state());
                        giveBack(id, csv(o.value(1)), "agent-gone", "agent-offline", "grace:" + token);
                    });
                }
            }
            case "open" -> repeatable(partition, member, kind, now, () -> queueOpened(id));
            case "close" -> repeatable(partition, member, kind, now, () -> queueClosed(id, now));
            default -> {
                LOG.warnf("unknown timer %s dropped", member);
                store.take(partition, member);
            }
        }
    }

    /**
     * The follow-up of a timer its script claimed (exp, ovf, unres, grace): the timer has left its due set with the
     * claim, so nothing would fire it again. It runs at once, as before; a store failure there hands it to a retry with
     * back-off ({@link TransientRetry#runAsync}, channel {@code timers}: counted, and the service is not ready while it
     * lasts) on a worker thread, so the timer threads go on with the partition's other items and no failing follow-up
     * holds the timers of other partitions back. Each retry runs as a replay, so a release that a failed attempt did
     * apply (its answer lost on the way back) is not counted again. Until 2026-12-07 such a failure skipped the
     * follow-up (an expired offer's agent slot stayed held) until reconciliation repaired it, about a minute later.
     * Only the process stopping ends the retries: the next start's reconciliation then repairs it, as after a crash. A
     * failure that is not the store's would fail the same way for ever: logged, counted as a dropped timer, and left
     * to reconciliation.
     */
    private void followUp(String member, String kind, java.util.function.Consumer<Boolean> step) {
        try {
            step.accept(false);
            return;
        } catch (RuntimeException e) {
            if (!storeFailure(e)) {
                dropFollowUp(member, kind, e);
                return;
            }
            meters.counter("chatroute_consumer_retries_total", "service", "routing-service", "channel", "timers").increment();
            LOG.warnf("timer %s: its follow-up failed, retried with back-off: %s", member, e.toString());
        }
        retry.runAsync("timers", "the follow-up of timer " + member, () -> Uni.createFrom().<Void>item(() -> {
            try {
                step.accept(true);
            } catch (RuntimeException e) {
                if (!storeFailure(e)) {
                    throw new PoisonEventException("not a store failure", e); // ends the retries
                }
                throw e;
            }
            return null;
        }).runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())).subscribe().with(
                done -> {
                },
                e -> {
                    if (e instanceof PoisonEventException p && p.getCause() != null) {
                        dropFollowUp(member, kind, p.getCause());
                    } else {
                        LOG.warnf("timer %s: its follow-up was not retried to the end (the process stops); reconciliation "
                                + "repairs it after the restart: %s", member, e.toString());
                    }
                });
    }

    private void dropFollowUp(String member, String kind, Throwable e) {
        LOG.warnf("timer %s: its follow-up fails for good, left to reconciliation: %s", member, e.toString());
        meters.counter("chatroute_routing_timers_dropped_total", "kind", kind).increment();
    }

    /**
     * Runs a repeatable timer's work, then removes the timer. A failure of the store (Redis busy, away, or refusing a
     * command) leaves it due, to be tried again a second later; any other failure would fail the same way for ever, so
     * that timer is dropped with a warning and counted ({@code chatroute_routing_timers_dropped_total}) instead of being
     * retried every second and holding back the partition's later timers.
     */
    private void repeatable(int partition, String member, String kind, Instant now, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            if (storeFailure(e)) {
                throw e;
            }
            LOG.warnf("timer %s dropped: its work fails for good: %s", member, e.toString());
            meters.counter("chatroute_routing_timers_dropped_total", "kind", kind).increment();
        }
        store.done(partition, member, now);
    }

    /**
     * Whether a failure came from the store or the transport to it (Vert.x, Netty, the Redis client, I/O, a timeout), or
     * the wait for it was interrupted (the process stopping): the work did not fail, it stays due.
     */
    static boolean storeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String name = t.getClass().getName();
            if (name.startsWith("io.vertx.") || name.startsWith("io.netty.") || name.startsWith("io.quarkus.redis.")
                    || t instanceof java.io.IOException || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof io.smallrye.mutiny.TimeoutException || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    /** A queue's opening time came: its chats are announced their positions and dispatched. */
    void queueOpened(String queueId) {
        announcer.touch(queueId);
        dispatcher.request(queueId);
    }

    /**
     * Closing time (the close timer, armed by the dispatch sweep while the queue is open): the chats waiting there are
     * told that the queue is closed and when it opens, instead of keeping their last place and estimate until then.
     */
    void queueClosed(String queueId, Instant now) {
        QueueDefinition queue = store.queue(queueId).orElse(null);
        if (queue == null || queue.businessHours() == null || queue.businessHours().isOpen(now)) {
            return; // the hours changed meanwhile: the sweep arms the right closing
        }
        Instant next = queue.businessHours().nextOpening(now).orElse(null);
        Outcome o = store.closeQueue(queueId, next, config.closeNoticeLimit(), now);
        LOG.infof("queue %s closed: %s of %s waiting chats told (next opening %s)", queueId, o.value(0), o.value(1), next);
        dispatcher.scheduleOpening(queue, now);
    }

    /** The chat's overflow time came while it still waits: to the overflow queue, keeping its age. */
    private void overflow(int partition, String member, String chatId, long epoch, Instant now) {
        Map<String, String> chat = store.chat(chatId);
        QueueDefinition from = store.queue(chat.get("queueId")).orElse(null);
        QueueDefinition to = from == null || from.overflow() == null ? null : store.queue(from.overflow().queueId()).orElse(null);
        if (to == null) {
            store.take(partition, member); // no (longer an) overflow queue: the chat stays
            return;
        }
        Target target = index.ensure(CandidateIndex.target(to, store.readSkills(chat.get("ruleSkills"))));
        Outcome o = store.move(chatId, epoch, to.id(), target, overflowAfter(to), now);
        if (!"MOVED".equals(o.code())) {
            return;
        }
        LOG.debugf("chat %s overflowed from %s to %s", chatId, o.value(0), to.id());
        followUp(member, "ovf", again -> {
            store.unindex(o.value(0), chatId, Long.parseLong(o.value(1)) - 1);
            announcer.touch(o.value(0));
            ensureIndexed(chatId, to.id(), "overflow");
            dispatcher.request(to.id());
        });
    }

    // ------------------------------------------------------------ helpers

    private static Map<String, Object> agentView(String agentId, Optional<AgentRecord> record) {
        Map<String, Object> agent = new LinkedHashMap<>();
        agent.put("id", agentId);
        record.ifPresentOrElse(a -> {
            agent.put("displayName", a.profile().displayName());
            agent.put("title", a.profile().title());
            agent.put("avatarUrl", a.profile().avatarUrl());
        }, () -> {
            agent.put("displayName", null);
            agent.put("title", null);
            agent.put("avatarUrl", null);
        });
        return agent;
    }

    private static List<String> csv(String s) {
        if (s == null || s.isEmpty()) {
            return List.of();
        }
        return List.of(s.split(","));
    }

    private static Instant instant(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static Map<String, Object> visitor(JsonNode v) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : List.of("name", "email", "locale", "customerId")) {
            out.put(k, v == null || v.get(k) == null || v.get(k).isNull() ? null : v.get(k).asText());
        }
        return out;
    }

    private Map<String, Object> map(JsonNode node) {
        if (node == null || !node.isObject()) {
            return new LinkedHashMap<>();
        }
        return json.convertValue(node, json.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
    }

    static String text(JsonNode data, String field) {
        JsonNode n = data == null ? null : data.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    static Map<String, Integer> merge(Map<String, Integer> a, Map<String, Integer> b) {
        return Skills.merge(a, b);
    }
}
