package io.chatroute.routing.it;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks routing's invariants on an event stream: routing-service's own events on {@code chat-events} and
 * {@code agent-events} and the session-service events the test published, as read back from Kafka (one list, in the
 * order the test's consumer received them, duplicates by {@code ce_id} already dropped).
 *
 * <h2>What the stream gives exactly, and what it does not</h2>
 * <ul>
 * <li><b>An agent's load.</b> Every change of an agent's slots (a hold for an offer, each release, a reconciliation)
 * is one Lua script on the agent's hash that changes the holds and {@code active} together and appends, in the same
 * script, one {@code agent.capacity.changed} carrying {@code active} after the change and {@code max}. So the set of
 * those events is exactly the set of load changes, each with its exact result: the largest {@code active} over an
 * agent's events is the largest load it ever had, <em>whatever order the events arrive in</em>. That is the cap
 * check ({@code active <= max} on every event), and it needs no ordering at all.</li>
 * <li><b>Order.</b> Two processes publish, each right after its own scripts commit; nothing orders one process's
 * publication against the other's, and the outbox sweep may re-send an entry late. So Kafka's order per key is the
 * commit order only for events of one process. Replaying an agent's capacity events in arrival order and adding up
 * +1/-1 is therefore <em>not</em> exact (the report counts how often that replay disagreed with the event's own
 * {@code active}: out-of-order publications seen), and across chats (different keys, partitions) there is no order
 * at all. What is exact without order: per agent, the number of holds taken ({@code reason: offered}, other than an
 * accept repairing a released hold) minus the ones given back by a claim that lost its chat ({@code compensate})
 * equals the number of {@code chat.offered} to that agent, and the final load equals holds minus releases.</li>
 * <li><b>A chat's holder.</b> Every event of one chat is written by a script on the chat's hash, so the chat's
 * transitions are serialised; each event carries the time its handler read the clock before running the script
 * ({@code ce_time}), and a transition is only ever started after the previous one committed (an offer is made from
 * a waiting-set page read after the release that made the chat wait; a release needs the offer committed). Sorted by
 * that time (at an equal millisecond: releases before new offers), a chat's events are in commit order; a release
 * that names an offer not yet seen (both in one millisecond) is applied when that offer appears. "Two agents at
 * once" = a {@code chat.offered} while the chat's previous offer or assignment has not ended.</li>
 * <li><b>Waiting with room.</b> Needs times on both sides. A chat waits from routing's event that made it wait
 * (queued, an offer declined or expired, a transfer to a queue) to its next {@code chat.offered} (or the visitor's
 * close); an agent has room while its presence (routing's {@code agent.presence.changed}, a disconnect's grace is
 * AWAY) is AVAILABLE and its load (the capacity events' changes, added up in time order) is below its cap; an agent
 * who declined or missed the chat is not eligible for it during the cool-down. A violation is a stretch longer than
 * the dispatch delay during which the chat waited and an eligible agent (skills as the test configured them, against
 * the chat's {@code requiredSkills} from its {@code chat.queued}) had room. Both timelines use routing's own event
 * times, so a slow consumer (Kafka lag on the test's inputs) is not counted against routing; a slow dispatch is.
 * Handler clocks are read before the scripts commit, so each timeline is off by at most a handler's latency, which
 * the dispatch delay absorbs; presence events of one agent from two processes are put back in order by their
 * {@code previousStatus} chain.</li>
 * </ul>
 */
public final class StreamCheck {
    public static final String ROUTING = "/routing-service";

    /** One event as received: arrival sequence, CloudEvents attributes, the time in ms of {@code ce_time}, the data. */
    public record Ev(long seq, String type, String source, String id, String key, long time, JsonNode data) {
        boolean routing() {
            return ROUTING.equals(source);
        }

        String s(String field) {
            JsonNode n = data.get(field);
            return n == null || n.isNull() ? null : n.asText();
        }
    }

    /** An agent as the test configured it. */
    public record Agent(String id, Map<String, Integer> skills, int cap) {
    }

    /** What was found. Lists are the violations (empty = the invariant held). */
    public static final class Report {
        public long events;
        public long routingEvents;
        public long requested;
        public long offers;
        public long assignments;
        public long assignmentFailures;
        public long declinedBySession;
        public long expired;
        public long withdrawn;
        public long agentLost;
        public long transfers;
        public long transfersToAgent;
        public long transferFailures;
        public long closes;
        public long offline;
        public long presenceChanges;
        public long missedOfferAway;
        public long capacityEvents;
        public long compensations;
        public long reconciled;
        public long outOfOrderCapacity;
        public long staleHoldsDropped;
        public long reofferedAfterDeclineWithoutRequeue;
        public long presenceReordered;
        public long waitingStretches;
        public long longestWaitMs;
        public long worstWaitWithRoomMs;
        /**
         * Per waiting stretch that had an eligible agent with room at some point: {when that piece began (epoch ms), its
         * length (ms)} of its longest such piece.
         */
        public final List<long[]> waitsWithRoom = new ArrayList<>();
        public String worstWaitWithRoom = "none";
        public int maxLoadSeen;
        public int maxCapOfThatAgent;
        public final Map<String, Integer> maxActive = new TreeMap<>();
        public final Map<String, Integer> finalLoadByEvents = new TreeMap<>();
        public final Map<String, Integer> activeChatsAtEnd = new TreeMap<>();
        public final Map<String, Long> finalStates = new TreeMap<>();
        public final List<String> capViolations = new ArrayList<>();
        public final List<String> twoAgents = new ArrayList<>();
        public final List<String> notFinal = new ArrayList<>();
        public final List<String> waitWithRoom = new ArrayList<>();
        public final List<String> inconsistencies = new ArrayList<>();
        /** The load reached by agents, counted: how many agents reached each (load, cap) pair. */
        public final Map<String, Integer> loadVsCap = new TreeMap<>();
    }

    private final Map<String, Agent> agents;
    /** Per agent, the times of its capacity events with reason decline (a session decline applied). */
    private final Map<String, long[]> declineReleases = new HashMap<>();
    private final long cooldownMs;
    private final long dispatchDelayMs;

    public StreamCheck(Map<String, Agent> agents, long cooldownMs, long dispatchDelayMs) {
        this.agents = agents;
        this.cooldownMs = cooldownMs;
        this.dispatchDelayMs = dispatchDelayMs;
    }

    // ------------------------------------------------------------ per chat

    private static final class ChatReplay {
        final String chatId;
        String holderOffer;
        String holderAgent;
        boolean holderAssigned;
        Long waitingSince;
        Map<String, Integer> required = Map.of();
        boolean requested;
        boolean closed;
        boolean offline;
        final Set<String> preEnded = new HashSet<>();
        final Map<String, String> offerAgent = new HashMap<>();
        final Map<String, List<long[]>> blocked = new HashMap<>();
        final List<String> pendingDeclines = new ArrayList<>();
        final Map<String, Long> declinedOffers = new HashMap<>();
        final List<Long> pendingDeclineTimes = new ArrayList<>();

        ChatReplay(String chatId) {
            this.chatId = chatId;
        }
    }

    /** A stretch of waiting of one chat. */
    record Wait(String chatId, long from, long to, Map<String, Integer> required, Map<String, List<long[]>> blocked) {
    }

    private static int rank(Ev e) {
        if (!e.routing()) {
            return "chat.requested".equals(e.type()) ? -1 : 5;
        }
        return switch (e.type()) {
            case "chat.offer.declined", "chat.assignment.failed" -> 0;
            case "chat.transferred", "chat.transfer.failed" -> 1;
            case "chat.queued", "chat.offline" -> 2;
            case "chat.offered" -> 3;
            case "chat.assigned" -> 4;
            default -> 5;
        };
    }

    public Report check(List<Ev> all, long endOfStream) {
        Report r = new Report();
        r.events = all.size();
        Map<String, List<Ev>> byChat = new LinkedHashMap<>();
        Map<String, List<Ev>> capacity = new LinkedHashMap<>();
        Map<String, List<Ev>> presence = new LinkedHashMap<>();
        for (Ev e : all) {
            if (e.routing()) {
                r.routingEvents++;
            }
            if (e.type().startsWith("chat.")) {
                byChat.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
            } else if (e.routing() && "agent.capacity.changed".equals(e.type())) {
                capacity.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
            } else if (e.routing() && "agent.presence.changed".equals(e.type())) {
                presence.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
            }
        }
        Map<String, Integer> offeredTo = new HashMap<>();
        List<Wait> waits = new ArrayList<>();
        declineReleases.clear();
        capacity.forEach((agent, events) -> declineReleases.put(agent, events.stream().filter(e -> "decline".equals(e.s("reason")))
                .mapToLong(Ev::time).sorted().toArray()));
        for (List<Ev> events : byChat.values()) {
            replayChat(events, r, waits, offeredTo, endOfStream);
        }
        Map<String, List<long[]>> room = new HashMap<>();
        for (Agent a : agents.values()) {
            room.put(a.id(), roomOf(a, capacity.getOrDefault(a.id(), List.of()), presence.getOrDefault(a.id(), List.of()), r, offeredTo,
                    endOfStream));
        }
        for (String agentId : capacity.keySet()) {
            if (!agents.containsKey(agentId)) {
                r.inconsistencies.add("capacity events for an agent the test never created: " + agentId);
            }
        }
        checkWaits(waits, room, r);
        return r;
    }

    private void replayChat(List<Ev> events, Report r, List<Wait> waits, Map<String, Integer> offeredTo, long endOfStream) {
        List<Ev> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(Ev::time).thenComparingInt(StreamCheck::rank).thenComparingLong(Ev::seq));
        ChatReplay c = new ChatReplay(sorted.getFirst().key());
        for (Ev e : sorted) {
            long t = e.time();
            if (!e.routing()) {
                switch (e.type()) {
                    case "chat.requested" -> {
                        c.requested = true;
                        r.requested++;
                    }
                    case "chat.closed" -> {
                        r.closes++;
                        c.closed = true;
                        endHolder(c);
                        endWaiting(c, t, waits, r);
                    }
                    case "chat.offer.declined" -> {
                        r.declinedBySession++;
                        c.pendingDeclines.add(e.s("agentId"));
                        c.pendingDeclineTimes.add(t);
                        c.declinedOffers.put(e.s("offerId"), t);
                    }
                    default -> {
                    }
                }
                continue;
            }
            switch (e.type()) {
                case "chat.queued" -> {
                    if ("position-changed".equals(e.s("reason"))) {
                        continue;
                    }
                    c.required = skills(e.data().get("requiredSkills"));
                    if ("declined".equals(e.s("reason"))) {
                        // the session decline that made it wait: its agent is blocked for the cool-down from now
                        for (int i = 0; i < c.pendingDeclines.size(); i++) {
                            block(c, c.pendingDeclines.get(i), c.pendingDeclineTimes.get(i), t + cooldownMs);
                        }
                        c.pendingDeclines.clear();
                        c.pendingDeclineTimes.clear();
                    }
                    if ("agent-lost".equals(e.s("reason"))) {
                        r.agentLost++;
                    }
                    endHolder(c);
                    startWaiting(c, t);
                }
                case "chat.offline" -> {
                    c.offline = true;
                    c.required = skills(e.data().get("requiredSkills"));
                }
                case "chat.offer.declined" -> {
                    String offer = e.s("offerId");
                    String reason = e.s("reason");
                    if ("timeout".equals(reason)) {
                        r.expired++;
                        block(c, e.s("agentId"), t, t + cooldownMs);
                    } else {
                        r.withdrawn++;
                    }
                    if (offer != null && offer.equals(c.holderOffer)) {
                        endHolder(c);
                        startWaiting(c, t);
                    } else if (!c.offerAgent.containsKey(offer)) {
                        c.preEnded.add(offer);
                    }
                }
                case "chat.transferred" -> {
                    r.transfers++;
                    String from = e.s("fromAgentId");
                    String to = e.s("agentId");
                    if (c.holderAgent == null || !c.holderAssigned || !c.holderAgent.equals(from)) {
                        r.inconsistencies.add(c.chatId + ": chat.transferred from " + from + " while held by " + c.holderAgent
                                + (c.holderAssigned ? " (assigned)" : " (offered)"));
                    }
                    endHolder(c);
                    if (to == null) {
                        startWaiting(c, t);
                    } else {
                        r.transfersToAgent++;
                    }
                }
                case "chat.transfer.failed" -> r.transferFailures++;
                case "chat.offered" -> {
                    r.offers++;
                    String offer = e.s("offerId");
                    String agent = e.s("agentId");
                    c.offerAgent.put(offer, agent);
                    offeredTo.merge(agent, 1, Integer::sum);
                    if (c.preEnded.remove(offer)) {
                        continue; // offered and withdrawn within one millisecond
                    }
                    if (c.holderOffer != null && !c.holderAssigned && declineApplied(c, t)) {
                        // a session decline released it and another dispatch took the chat before the re-queue was
                        // announced (no chat.queued for that epoch): the agent's decline release is the evidence
                        r.reofferedAfterDeclineWithoutRequeue++;
                        block(c, c.holderAgent, c.declinedOffers.get(c.holderOffer), t + cooldownMs);
                        endHolder(c);
                    }
                    if (c.holderOffer != null) {
                        r.twoAgents.add(String.format("%s offered to %s (offer %s at %d) while %s to %s (offer %s)", c.chatId, agent, offer, t,
                                c.holderAssigned ? "assigned" : "offered", c.holderAgent, c.holderOffer));
                    }
                    endWaiting(c, t, waits, r);
                    c.holderOffer = offer;
                    c.holderAgent = agent;
                    c.holderAssigned = false;
                }
                case "chat.assigned" -> {
                    r.assignments++;
                    if (e.s("offerId") != null && e.s("offerId").equals(c.holderOffer) && e.s("agentId").equals(c.holderAgent)) {
                        c.holderAssigned = true;
                    } else if (!c.closed) {
                        r.inconsistencies.add(c.chatId + ": chat.assigned for offer " + e.s("offerId") + " of " + e.s("agentId")
                                + " but the current offer is " + c.holderOffer + " of " + c.holderAgent);
                    }
                }
                case "chat.assignment.failed" -> r.assignmentFailures++;
                default -> {
                }
            }
        }
        // pending session declines never followed by their re-queue (the offer had gone already): blocked anyway
        for (int i = 0; i < c.pendingDeclines.size(); i++) {
            block(c, c.pendingDeclines.get(i), c.pendingDeclineTimes.get(i), c.pendingDeclineTimes.get(i) + cooldownMs);
        }
        String state;
        if (!c.requested) {
            state = "NOT_REQUESTED";
            r.inconsistencies.add(c.chatId + ": routing events for a chat the test never requested");
        } else if (c.closed) {
            state = "CLOSED";
        } else if (c.offline && c.holderOffer == null && c.waitingSince == null) {
            state = "OFFLINE";
            r.offline++;
        } else if (c.holderOffer != null && c.holderAssigned) {
            state = "ACTIVE";
            r.activeChatsAtEnd.merge(c.holderAgent, 1, Integer::sum);
        } else {
            state = c.holderOffer != null ? "OFFERED" : "WAITING";
            r.notFinal.add(c.chatId + " ends " + state + (c.holderAgent != null ? " to " + c.holderAgent : "")
                    + (c.waitingSince != null ? " waiting since " + c.waitingSince : ""));
        }
        r.finalStates.merge(state, 1L, Long::sum);
        endWaiting(c, endOfStream, waits, r);
    }

    /**
     * True when the test declined the chat's current offer before {@code t} and the declining agent's slot was released
     * by a decline (its capacity event, from the decline on, and at most 5 s after {@code t}: the slot is freed just
     * after the chat, so another process may offer the chat first).
     */
    private boolean declineApplied(ChatReplay c, long t) {
        Long sentAt = c.declinedOffers.get(c.holderOffer);
        if (sentAt == null || sentAt > t) {
            return false;
        }
        long[] times = declineReleases.getOrDefault(c.holderAgent, new long[0]);
        int i = java.util.Arrays.binarySearch(times, sentAt);
        i = i < 0 ? -i - 1 : i;
        return i < times.length && times[i] <= t + 5000;
    }

    private static void endHolder(ChatReplay c) {
        c.holderOffer = null;
        c.holderAgent = null;
        c.holderAssigned = false;
    }

    private static void startWaiting(ChatReplay c, long t) {
        if (c.waitingSince == null && !c.closed) {
            c.waitingSince = t;
        }
    }

    private static void endWaiting(ChatReplay c, long t, List<Wait> waits, Report r) {
        if (c.waitingSince != null) {
            long from = c.waitingSince;
            c.waitingSince = null;
            if (t > from) {
                waits.add(new Wait(c.chatId, from, t, c.required, c.blocked));
                r.longestWaitMs = Math.max(r.longestWaitMs, t - from);
            }
            r.waitingStretches++;
        }
    }

    private static void block(ChatReplay c, String agentId, long from, long to) {
        if (agentId != null) {
            c.blocked.computeIfAbsent(agentId, k -> new ArrayList<>()).add(new long[] {from, to});
        }
    }

    // ------------------------------------------------------------ per agent

    private static int delta(Ev e) {
        String reason = e.s("reason");
        if (reason == null) {
            return 0;
        }
        return switch (reason) {
            case "offered" -> 1;
            case "cap-changed" -> 0;
            case "reconciled" -> e.data().path("active").asInt() - e.data().path("previousActive").asInt();
            default -> -1;
        };
    }

    /**
     * The exact cap check and the agent's room timeline: the stretches [from, to) during which it was AVAILABLE with
     * a free slot.
     */
    private List<long[]> roomOf(Agent a, List<Ev> cap, List<Ev> pres, Report r, Map<String, Integer> offeredTo, long end) {
        int holds = 0;
        int compensations = 0;
        int dropped = 0;
        int sum = 0;
        int maxActive = 0;
        int max = a.cap();
        for (Ev e : cap) { // arrival order: exact per-event checks, and how often the order was not the commit order
            r.capacityEvents++;
            int active = e.data().path("active").asInt();
            int m = e.data().path("max").asInt();
            maxActive = Math.max(maxActive, active);
            if (active > m) {
                r.capViolations.add(String.format("%s at %d: active %d above max %d (%s)", a.id(), e.time(), active, m, e.s("reason")));
            }
            if (m != a.cap()) {
                r.inconsistencies.add(a.id() + ": capacity event with max " + m + ", configured " + a.cap());
            }
            int d = delta(e);
            sum += d;
            if (sum != active) {
                r.outOfOrderCapacity++;
                sum = active;
            }
            if ("offered".equals(e.s("reason")) && !"accept".equals(e.s("repaired"))) {
                // a repaired accept re-takes the slot of an offer already counted (its hold was released, e.g. by the
                // agent going OFFLINE, while the accept was on its way): not a new hold
                holds++;
            } else if ("compensate".equals(e.s("reason"))) {
                compensations++;
                r.compensations++;
            } else if ("reconciled".equals(e.s("reason"))) {
                r.reconciled++;
                int d2 = e.data().path("previousActive").asInt() - active;
                if (d2 > 0) {
                    dropped += d2;
                    r.staleHoldsDropped += d2;
                }
            }
        }
        r.maxActive.put(a.id(), maxActive);
        r.loadVsCap.merge(maxActive + "/" + a.cap(), 1, Integer::sum);
        if (maxActive > r.maxLoadSeen || (maxActive == r.maxLoadSeen && a.cap() < r.maxCapOfThatAgent)) {
            r.maxLoadSeen = maxActive;
            r.maxCapOfThatAgent = a.cap();
        }
        int offered = offeredTo.getOrDefault(a.id(), 0);
        // every hold is followed by its chat.offered, or given back by its claim (compensate); reconciliation may drop
        // either kind (a hold whose chat never came, or one whose release was still on its way)
        if (offered > holds - compensations || offered < holds - compensations - dropped) {
            r.inconsistencies.add(String.format("%s: %d holds - %d compensated (- up to %d dropped by reconciliation) != %d chat.offered",
                    a.id(), holds, compensations, dropped, offered));
        }
        int finalLoad = cap.stream().mapToInt(StreamCheck::delta).sum();
        r.finalLoadByEvents.put(a.id(), finalLoad);
        // room timeline: loads and presence in time order
        List<Ev> loadEvents = new ArrayList<>(cap);
        loadEvents.sort(Comparator.comparingLong(Ev::time).thenComparingLong(Ev::seq));
        List<Ev> presence = orderPresence(pres, r);
        List<long[]> out = new ArrayList<>();
        int li = 0;
        int pi = 0;
        int load = 0;
        String status = "OFFLINE";
        Long open = null;
        while (li < loadEvents.size() || pi < presence.size()) {
            long tl = li < loadEvents.size() ? loadEvents.get(li).time() : Long.MAX_VALUE;
            long tp = pi < presence.size() ? presence.get(pi).time() : Long.MAX_VALUE;
            long t = Math.min(tl, tp);
            while (li < loadEvents.size() && loadEvents.get(li).time() == t) {
                load += delta(loadEvents.get(li++));
            }
            while (pi < presence.size() && presence.get(pi).time() == t) {
                status = presence.get(pi++).s("status");
            }
            boolean hasRoom = "AVAILABLE".equals(status) && load < max;
            if (hasRoom && open == null) {
                open = t;
            } else if (!hasRoom && open != null) {
                out.add(new long[] {open, t});
                open = null;
            }
        }
        if (open != null) {
            out.add(new long[] {open, end});
        }
        return out;
    }

    /**
     * An agent's presence changes in time order, with neighbours (within a second) swapped where the
     * {@code previousStatus} chain shows that two processes' events crossed.
     */
    private static List<Ev> orderPresence(List<Ev> pres, Report r) {
        List<Ev> list = new ArrayList<>(pres);
        list.sort(Comparator.comparingLong(Ev::time).thenComparingLong(Ev::seq));
        String cur = "OFFLINE";
        for (int i = 0; i < list.size(); i++) {
            r.presenceChanges++;
            if ("missed-offer".equals(list.get(i).s("reason"))) {
                r.missedOfferAway++;
            }
            if (!cur.equals(list.get(i).s("previousStatus"))) {
                for (int j = i + 1; j < list.size() && list.get(j).time() - list.get(i).time() <= 1000; j++) {
                    if (cur.equals(list.get(j).s("previousStatus"))) {
                        Ev moved = list.remove(j);
                        // it happened first: give it the earlier time so the timeline applies it first
                        list.add(i, new Ev(moved.seq(), moved.type(), moved.source(), moved.id(), moved.key(), list.get(i).time(),
                                moved.data()));
                        r.presenceReordered++;
                        break;
                    }
                }
            }
            cur = list.get(i).s("status");
        }
        return list;
    }

    // ------------------------------------------------------------ waiting with room

    private void checkWaits(List<Wait> waits, Map<String, List<long[]>> room, Report r) {
        for (Wait w : waits) {
            long[] longest = null;
            for (Agent a : agents.values()) {
                if (!satisfies(a.skills(), w.required())) {
                    continue;
                }
                List<long[]> stretches = room.get(a.id());
                List<long[]> blocked = w.blocked().getOrDefault(a.id(), List.of());
                int i = firstEndingAfter(stretches, w.from());
                for (; i < stretches.size() && stretches.get(i)[0] < w.to(); i++) {
                    long from = Math.max(w.from(), stretches.get(i)[0]);
                    long to = Math.min(w.to(), stretches.get(i)[1]);
                    for (long[] piece : minus(from, to, blocked)) {
                        long len = piece[1] - piece[0];
                        if (longest == null || len > longest[1]) {
                            longest = new long[] {piece[0], len};
                        }
                        if (len > r.worstWaitWithRoomMs) {
                            r.worstWaitWithRoomMs = len;
                            r.worstWaitWithRoom = String.format("%s waited %d ms from %d while %s (cap %d) was AVAILABLE with room",
                                    w.chatId(), len, piece[0], a.id(), a.cap());
                        }
                        if (len > dispatchDelayMs) {
                            r.waitWithRoom.add(String.format("%s waited %d ms (from %d, needs %s) while %s (skills %s, cap %d) was AVAILABLE"
                                    + " with room", w.chatId(), len, piece[0], w.required(), a.id(), a.skills(), a.cap()));
                        }
                    }
                }
            }
            if (longest != null) {
                r.waitsWithRoom.add(longest);
            }
        }
    }

    private static int firstEndingAfter(List<long[]> stretches, long t) {
        int lo = 0;
        int hi = stretches.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (stretches.get(mid)[1] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** [from, to) minus the blocked windows. */
    static List<long[]> minus(long from, long to, List<long[]> blocked) {
        List<long[]> pieces = new ArrayList<>();
        pieces.add(new long[] {from, to});
        for (long[] b : blocked) {
            List<long[]> next = new ArrayList<>();
            for (long[] p : pieces) {
                if (b[1] <= p[0] || b[0] >= p[1]) {
                    next.add(p);
                    continue;
                }
                if (b[0] > p[0]) {
                    next.add(new long[] {p[0], b[0]});
                }
                if (b[1] < p[1]) {
                    next.add(new long[] {b[1], p[1]});
                }
            }
            pieces = next;
        }
        return pieces;
    }

    static boolean satisfies(Map<String, Integer> has, Map<String, Integer> required) {
        for (Map.Entry<String, Integer> e : required.entrySet()) {
            Integer level = has.get(e.getKey());
            if (level == null || level < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    static Map<String, Integer> skills(JsonNode node) {
        Map<String, Integer> out = new TreeMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asInt()));
        }
        return out;
    }
}
