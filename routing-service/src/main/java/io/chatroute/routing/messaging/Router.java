package io.chatroute.routing.messaging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.Rules;
import io.chatroute.routing.domain.Skills;
import io.chatroute.routing.persistence.AgentRecord;
import io.chatroute.routing.persistence.RoutingStore;
import io.chatroute.routing.persistence.RoutingStore.Outcome;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The routing engine: idempotent handlers for the consumed events, dispatch (choose with {@link AgentSelector}, claim
 * with one Lua script, re-choose on a lost race), offer expiry. Blocking: runs on worker threads.
 */
@ApplicationScoped
public class Router {
    private static final Logger LOG = Logger.getLogger(Router.class);
    private static final int SCAN = 50;
    private static final int MAX_ROUNDS = 200;

    private final RoutingStore store;
    private final RoutingConfig config;
    private final ObjectMapper json;
    private volatile boolean stopping;

    public Router(RoutingStore store, RoutingConfig config, ObjectMapper json) {
        this.store = store;
        this.config = config;
        this.json = json;
    }

    // ------------------------------------------------------------ event handlers

    public void onChatRequested(String eventId, JsonNode data) {
        String chatId = text(data, "chatId");
        Map<String, Object> form = map(data.get("form"));
        Rules.Evaluation ev = Rules.evaluate(store.rules(), store.queues(), form);
        String queueId;
        String ruleId;
        Map<String, Integer> skills;
        int priority;
        if (ev.matched()) {
            queueId = ev.queue().id();
            ruleId = ev.rule().id();
            skills = ev.requiredSkills();
            priority = ev.priority();
        } else {
            String fallback = text(data, "queueId");
            QueueDefinition q = fallback == null ? null : store.queue(fallback).orElse(null);
            if (q == null) {
                LOG.warnf("chat %s matches no routing rule and names no known queue; not routed", chatId);
                store.close(chatId, Instant.now(), eventId);
                return;
            }
            queueId = q.id();
            ruleId = "session-queue";
            skills = Skills.merge(q.requiredSkills(), Map.of());
            priority = q.priority() == null ? 0 : q.priority();
        }
        Instant now = Instant.now();
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("visitor", visitor(data.get("visitor")));
        request.put("form", form);
        request.put("message", text(data, "message"));
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("step", "queued");
        decision.put("at", now.toString());
        decision.put("ruleId", ruleId);
        decision.put("queueId", queueId);
        decision.put("requiredSkills", skills);
        decision.put("priority", priority);
        decision.put("rules", ev.checks());
        Map<String, Object> template = new LinkedHashMap<>();
        template.put("chatId", chatId);
        template.put("queueId", queueId);
        template.put("ruleId", ruleId);
        template.put("requiredSkills", skills);
        template.put("priority", priority);
        template.put("queuedAt", now.toString());
        List<AgentSnapshot> agents = snapshots();
        Outcome o = store.enqueue(chatId, eventId, queueId, ruleId, skills, priority, now, request, decision, template,
                AgentSelector.freeSlots(skills, agents));
        if ("QUEUED".equals(o.code())) {
            // the agents just read are the dispatch's first view (two round trips fewer per chat start)
            store.queue(queueId).ifPresent(q -> dispatch(q, agents));
        }
    }

    public void onOfferAccepted(String eventId, JsonNode data) {
        String chatId = text(data, "chatId");
        String agentId = text(data, "agentId");
        String offerId = text(data, "offerId");
        Instant now = Instant.now();
        Map<String, String> chat = store.chat(chatId);
        Map<String, Object> assigned = new LinkedHashMap<>();
        assigned.put("chatId", chatId);
        assigned.put("agentId", agentId);
        assigned.put("queueId", chat.getOrDefault("queueId", "unknown"));
        assigned.put("offerId", offerId);
        assigned.put("assignedAt", now.toString());
        assigned.put("agent", agentView(agentId));
        Outcome o = store.accept(chatId, agentId, offerId, now, store.write(assigned), eventId);
        if ("ASSIGNED".equals(o.code())) {
            appendDecision(chatId, Map.of("step", "assigned", "at", now.toString(), "agentId", agentId, "offerId", offerId));
        }
    }

    public void onOfferDeclined(String eventId, JsonNode data) {
        Outcome o = store.release(text(data, "chatId"), text(data, "offerId"), text(data, "agentId"), "decline", Instant.now(), eventId);
        if ("RELEASED".equals(o.code())) {
            appendDecision(text(data, "chatId"), Map.of("step", "declined", "at", Instant.now().toString(), "agentId", o.value(0),
                    "reason", String.valueOf(text(data, "reason"))));
            dispatchQueue(o.value(1));
        }
    }

    public void onChatClosed(String eventId, JsonNode data) {
        Outcome o = store.close(text(data, "chatId"), Instant.now(), eventId);
        if ("CLOSED".equals(o.code()) && o.value(0) != null && !o.value(0).isEmpty()) {
            dispatchAll();
        }
    }

    public void onPresenceRequested(String eventId, JsonNode data) {
        Presence status = Presence.parse(text(data, "status"));
        String agentId = text(data, "agentId");
        if (status == null || agentId == null) {
            LOG.warnf("ignoring agent.presence.requested %s without a valid agent or status", eventId);
            return;
        }
        Outcome o = setPresence(agentId, status, eventId);
        if ("UNKNOWN".equals(o.code())) {
            LOG.warnf("presence requested for unknown agent %s; ignored", agentId);
        }
    }

    /** Changes an agent's presence (REST or event); turning AVAILABLE triggers dispatch. */
    public Outcome setPresence(String agentId, Presence status, String processedId) {
        Outcome o = store.setPresence(agentId, status, processedId, Instant.now());
        if ("CHANGED".equals(o.code()) && status == Presence.AVAILABLE) {
            dispatchAll();
        }
        return o;
    }

    // ------------------------------------------------------------ dispatch

    /** Offers waiting chats of every queue (highest priority first) to eligible agents. */
    public void dispatchAll() {
        List<QueueDefinition> queues = new ArrayList<>(store.queues().values());
        queues.sort(Comparator.comparing((QueueDefinition q) -> q.priority() == null ? 0 : q.priority()).reversed()
                .thenComparing(QueueDefinition::id));
        for (QueueDefinition q : queues) {
            dispatch(q);
        }
    }

    public void dispatchQueue(String queueId) {
        store.queue(queueId).ifPresent(this::dispatch);
    }

    /**
     * Offers the queue's waiting chats, oldest first, page by page. A page costs three round trips (the waiting
     * chats, every agent, every chat of the page in one pipelined batch) plus one claim script per offer: after a
     * won claim the chosen agent's load is updated locally and the page goes on; only a lost race (the agent
     * changed meanwhile) re-reads the agents.
     */
    private void dispatch(QueueDefinition queue) {
        dispatch(queue, null);
    }

    private void dispatch(QueueDefinition queue, List<AgentSnapshot> firstView) {
        Instant now = Instant.now();
        if (queue.businessHours() != null && !queue.businessHours().isOpen(now)) {
            return;
        }
        for (int round = 0; round < MAX_ROUNDS; round++) {
            List<String> waiting = store.waiting(queue.id(), SCAN);
            if (waiting.isEmpty()) {
                return;
            }
            List<AgentSnapshot> agents = new ArrayList<>(round == 0 && firstView != null ? firstView : snapshots());
            List<Map<String, String>> chats = store.chats(waiting);
            boolean offered = false;
            boolean lost = false;
            for (int i = 0; i < waiting.size() && !lost; i++) {
                String chatId = waiting.get(i);
                Map<String, String> chat = chats.get(i);
                if (!"QUEUED".equals(chat.get("state"))) {
                    dropStaleReservation(chatId, chat);
                    continue;
                }
                Map<String, Integer> required = store.readSkills(chat.get("requiredSkills"));
                Set<String> excluded = recentlyDeclined(chat, Instant.now());
                AgentSelector.Selection sel = AgentSelector.select(required, agents, excluded);
                if (!sel.found()) {
                    continue;
                }
                Outcome o = claim(chatId, queue, chat, sel);
                if ("OFFERED".equals(o.code())) {
                    offered = true;
                    took(agents, sel.agentId(), Instant.now());
                } else if ("AGENT_LOST".equals(o.code())) {
                    lost = true; // the agent changed meanwhile: re-read the agents and pick again
                }
            }
            if (!lost && (!offered || waiting.size() < SCAN)) {
                return;
            }
        }
    }

    /** A place reserved at evaluation whose chat.requested never came (session-service failed): given back. */
    private void dropStaleReservation(String chatId, Map<String, String> chat) {
        if (!"RESERVED".equals(chat.get("state"))) {
            return;
        }
        Instant cutoff = Instant.now().minusSeconds(config.reservationTimeoutSeconds());
        String reservedAt = chat.get("reservedAt");
        if (reservedAt != null && Long.parseLong(reservedAt) < cutoff.toEpochMilli()
                && store.unreserve(chatId, cutoff).code().equals("DROPPED")) {
            LOG.infof("chat %s: reservation never confirmed by chat.requested, dropped", chatId);
        }
    }

    /** The local view of an agent who just took an offer: one more active chat, assigned now. */
    private static void took(List<AgentSnapshot> agents, String agentId, Instant now) {
        for (int i = 0; i < agents.size(); i++) {
            AgentSnapshot a = agents.get(i);
            if (a.id().equals(agentId)) {
                agents.set(i, new AgentSnapshot(a.id(), a.status(), a.active() + 1, a.max(), a.skills(), now.toEpochMilli()));
                return;
            }
        }
    }

    private Outcome claim(String chatId, QueueDefinition queue, Map<String, String> chat, AgentSelector.Selection sel) {
        Instant now = Instant.now();
        Instant expires = now.plusSeconds(queue.offerTimeout());
        String offerId = UUID.randomUUID().toString();
        Map<String, Object> request = store.readMap(chat.get("request"));
        Map<String, Object> offered = new LinkedHashMap<>();
        offered.put("chatId", chatId);
        offered.put("agentId", sel.agentId());
        offered.put("queueId", queue.id());
        offered.put("offerId", offerId);
        offered.put("offeredAt", now.toString());
        offered.put("expiresAt", expires.toString());
        offered.put("visitor", request.getOrDefault("visitor", Map.of()));
        offered.put("form", request.getOrDefault("form", Map.of()));
        offered.put("message", request.get("message"));
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("step", "offered");
        decision.put("at", now.toString());
        decision.put("queueId", queue.id());
        decision.put("requiredSkills", sel.requiredSkills());
        decision.put("agentId", sel.agentId());
        decision.put("offerId", offerId);
        decision.put("expiresAt", expires.toString());
        decision.put("tieBreak", sel.tieBreak());
        // bounded: the ten best candidates and how many there were (a decision record stays small with any team size)
        decision.put("candidates", sel.candidates().size() > 10 ? sel.candidates().subList(0, 10) : sel.candidates());
        decision.put("candidateCount", sel.candidates().size());
        Outcome o = store.claim(chatId, sel.agentId(), offerId, now, expires, store.write(offered), decision);
        if (!"OFFERED".equals(o.code())) {
            LOG.debugf("claim of %s for %s lost: %s", chatId, sel.agentId(), o);
        }
        return o;
    }

    /** Offers whose deadline passed: release the slot, put the chat back at the head of its queue, re-dispatch. */
    @Scheduled(every = "${chatroute.routing.offer-sweep-interval:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void expireOffers() {
        if (stopping) {
            return;
        }
        try {
            expireDueOffers();
        } catch (RuntimeException e) {
            LOG.warnf("offer expiry sweep failed, will retry: %s", e.toString());
        }
    }

    private void expireDueOffers() {
        Instant now = Instant.now();
        Set<String> queues = new HashSet<>();
        for (String chatId : store.dueOffers(now, 500)) {
            Outcome o = store.release(chatId, null, null, "timeout", now, null);
            if ("RELEASED".equals(o.code())) {
                appendDecision(chatId, Map.of("step", "expired", "at", now.toString(), "agentId", o.value(0)));
                queues.add(o.value(1));
            }
        }
        if (!queues.isEmpty()) {
            queues.forEach(this::dispatchQueue);
        }
    }

    /** Safety net: chats left waiting (a queue that just opened, a declined agent's cooldown over) get another try. */
    @Scheduled(every = "${chatroute.routing.redispatch-interval:10s}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void redispatch() {
        if (stopping) {
            return;
        }
        try {
            dispatchAll();
        } catch (RuntimeException e) {
            LOG.warnf("re-dispatch sweep failed, will retry: %s", e.toString());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    // ------------------------------------------------------------ helpers

    private Set<String> recentlyDeclined(Map<String, String> chat, Instant now) {
        Set<String> out = new HashSet<>();
        long cutoff = now.toEpochMilli() - config.declineCooldownSeconds() * 1000L;
        chat.forEach((k, v) -> {
            if (k.startsWith("declined:") && Long.parseLong(v) > cutoff) {
                out.add(k.substring("declined:".length()));
            }
        });
        return out;
    }

    private void appendDecision(String chatId, Map<String, Object> step) {
        store.appendDecision(chatId, step);
    }

    private List<AgentSnapshot> snapshots() {
        return store.agents().stream().map(AgentRecord::snapshot).toList();
    }

    public Map<String, Object> agentView(String agentId) {
        Map<String, Object> agent = new LinkedHashMap<>();
        agent.put("id", agentId);
        store.agent(agentId).ifPresentOrElse(a -> {
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
}
