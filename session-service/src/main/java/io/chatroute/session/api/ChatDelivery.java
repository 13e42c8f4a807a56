package io.chatroute.session.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.messaging.CustomerContext;
import io.chatroute.session.messaging.OfferDeliveries;
import io.chatroute.session.persistence.ChatStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Puts a chat's messages on the sockets this instance holds: exactly once per connection and in {@code seq} order,
 * whatever order the events arrive in and however they interleave with {@code resume}.
 *
 * <p>Each connection keeps, per chat, the range of {@code seq}s it was given, {@code (from, cursor]}, under the
 * connection's lock. Live delivery extends the range upwards: a message at or below the cursor is not sent again; a
 * message above {@code cursor + 1} first sends the missing ones from Redis (the chat's message list is written before
 * its event is published, so the gap is always there to read). {@code resume {afterSeq}} sends what lies outside the
 * range, {@code (afterSeq, from]} and above the cursor, so resume and live delivery never overlap whichever comes
 * first. A connection's own messages (the visitor's to the visitor, an agent's own to that agent) move the cursor
 * without being sent live (the {@code ack} told them); {@code resume} replays both sides, each seq at most once.
 *
 * <p>A socket that opens on a chat that has messages starts its range at the chat's last seq: live delivery from
 * then on, what came before by {@code resume} (the client knows its last seq; the server does not).
 *
 * <p>An agent connection holds a chat once it was told of the assignment ({@code chat.assigned}, live or on
 * connect); then it gets the backlog (every visitor message since the chat began, also those posted before the
 * assignment) and every later message. Nothing depends on the projection having caught up.
 */
@ApplicationScoped
public class ChatDelivery {

    private static final Logger LOG = Logger.getLogger(ChatDelivery.class);
    private static final String VISITOR = "visitor";
    private static final String AGENT = "agent";

    /** Per-connection ranges and the lock that orders everything sent on that connection. */
    private static final class Cursors {
        final ReentrantLock lock = new ReentrantLock();
        final Map<String, Range> byChat = new HashMap<>();
        /** Per chat, the latest message whose suggestions this connection was given. */
        final Map<String, Long> suggestedFor = new ConcurrentHashMap<>();
        /** Per chat, the offer this connection was given: the event and the socket's open may both find it. */
        final Map<String, String> offers = new ConcurrentHashMap<>();
        /** Per chat, the assignment (agent and time) this visitor's connection was told of: by its event or its open. */
        final Map<String, String> joined = new ConcurrentHashMap<>();

        long cursor(String chatId) {
            Range r = byChat.get(chatId);
            return r == null ? 0 : r.cursor;
        }

        void advance(String chatId, long seq) {
            byChat.computeIfAbsent(chatId, k -> new Range(0, 0)).cursor = seq;
        }
    }

    /** The seqs a connection was given for one chat: {@code (from, cursor]}. */
    private static final class Range {
        long from;
        long cursor;

        Range(long from, long cursor) {
            this.from = from;
            this.cursor = cursor;
        }
    }

    private final ConnectionRegistry registry;
    private final ChatStore store;
    private final ChatService chats;
    private final ObjectMapper mapper;
    private final Map<String, Cursors> cursors = new ConcurrentHashMap<>();
    /** Agent connections that hold a chat (were told of its assignment), by chat id. */
    private final Map<String, Set<WebSocketConnection>> holders = new ConcurrentHashMap<>();
    /** The agent a chat is offered to, for the offers this instance delivered (suggestions go there too). */
    private final Map<String, String> offeredTo = new ConcurrentHashMap<>();
    private final CustomerContext customers;
    private final SessionConfig config;
    /** Messages put on a socket by {@link #committedHere}, ahead of their event. */
    private final Counter localSends;
    /** Local deliveries that failed (their event delivered the message). */
    private final Counter localFailures;
    /** Offers not put on a socket because they had expired when they were about to be written. */
    private final Counter expiredBeforeDelivery;
    private final OfferDeliveries deliveries;

    public ChatDelivery(ConnectionRegistry registry, ChatStore store, ChatService chats, CustomerContext customers,
                        ObjectMapper mapper, SessionConfig config, MeterRegistry meters, OfferDeliveries deliveries) {
        this.expiredBeforeDelivery = meters.counter("chatroute_delivery_offers_expired_before_delivery_total");
        this.deliveries = deliveries;
        this.localSends = meters.counter("chatroute.delivery.local.sends");
        this.localFailures = meters.counter("chatroute.delivery.local.failures");
        this.customers = customers;
        this.config = config;
        this.registry = registry;
        this.store = store;
        this.chats = chats;
        this.mapper = mapper;
    }

    // ------------------------------------------------------------------ events

    /**
     * chat.message.posted: to the chat's visitors and to the agent connections holding it; returns how many connections
     * it was put on now (not those that had it already, nor the sender's own).
     */
    public int message(JsonNode d) {
        return message(d, false);
    }

    /**
     * {@code local}: from {@link #committedHere}, which runs beside the chat's events rather than after them, so a
     * connection may have been told of a transfer or a close (its range dropped) since it was listed: only
     * connections that still hold a range for the chat get it, and none is created (the event path creates none for
     * them either, being ordered after those events).
     */
    private int message(JsonNode d, boolean local) {
        String chatId = d.path("chatId").asText();
        long seq = d.path("seq").asLong();
        int sent = 0;
        for (WebSocketConnection c : registry.visitors(chatId)) {
            sent += upTo(c, chatId, seq, d, VISITOR, local) ? 1 : 0;
        }
        for (WebSocketConnection c : holders(chatId)) {
            sent += upTo(c, chatId, seq, d, AGENT, local) ? 1 : 0;
        }
        return sent;
    }

    /**
     * A message this instance has just committed (stored in Redis, its event handed to the producer): put on this
     * instance's sockets for the chat at once, on a worker thread, instead of after the event's way through Kafka. The
     * event still goes through Kafka: the other instances deliver from it, and here {@link #message} finds it sent
     * already (the connection's cursor), so each connection gets it exactly once and in {@code seq} order either way (a
     * gap is filled from Redis, where every committed message is). Only connections that still hold a range for the
     * chat get it (visitors, agents told of the assignment). Best effort: a failure here is counted and logged, and the
     * event delivers the message.
     */
    public void committedHere(String eventData) {
        if (eventData == null || !config.delivery().localFastPath()) {
            return;
        }
        try {
            Infrastructure.getDefaultWorkerPool().execute(() -> {
                try {
                    JsonNode d = read(eventData);
                    if (hasSocketsFor(d.path("chatId").asText())) {
                        localSends.increment(message(d, true));
                    }
                } catch (RuntimeException e) {
                    localFailures.increment();
                    LOG.debugf(e, "local delivery of a committed message failed; its event delivers it");
                }
            });
        } catch (RuntimeException rejected) {
            // the pool refuses work (shutting down): the event delivers it; the sender has its ack already
            localFailures.increment();
        }
    }

    /**
     * chat.assigned: {@code agent.joined} to the visitors ({@code transferred} after a transfer); {@code chat.assigned}
     * and the backlog (the whole conversation so far, the previous agent's messages included) to the agent.
     */
    public void assigned(JsonNode d) {
        String chatId = d.path("chatId").asText();
        offeredTo.remove(chatId);
        String agentId = d.path("agentId").asText(null);
        Set<WebSocketConnection> visitors = registry.visitors(chatId);
        Set<WebSocketConnection> agents = registry.agents(agentId);
        if (visitors.isEmpty() && agents.isEmpty()) {
            return;
        }
        Map<String, String> chat = store.chat(chatId);
        if (over(chat.get("status"))) {
            // assigned after the chat closed (an accept that crossed the visitor's close): the visitor was told
            // `closed` and the agent `chat.closed`; an `agent.joined` or a held chat now would never be undone
            return;
        }
        ObjectNode joined = Frames.frame(mapper, d.hasNonNull("transferredFrom") ? "transferred" : "agent.joined");
        joined.set("agent", d.get("agent"));
        String text = joined.toString();
        for (WebSocketConnection c : visitors) {
            if (firstJoin(c, chatId, agentId, Frames.text(d, "assignedAt"))) {
                ConnectionRegistry.send(c, text);
            }
        }
        for (WebSocketConnection c : agents) {
            hold(c, chatId, chat, d.get("queueId"), false, d.get("transferredFrom"), null);
        }
    }

    /**
     * chat.transferred: the chat left its agent. That agent's connections are told ({@code chat.transferred}, an
     * addition) and no longer get its messages; the next agent gets it with the whole conversation on assignment.
     */
    public void transferred(JsonNode d) {
        leave(d.path("chatId").asText(), Frames.text(d, "fromAgentId"), d, null);
    }

    /**
     * A chat.queued that put a held chat back in line (its agent went offline, or chose OFFLINE): the connections
     * still holding it are told with {@code chat.transferred} and {@code reason} (an addition), as after a transfer.
     */
    public void left(JsonNode d) {
        String chatId = d.path("chatId").asText();
        if (holders(chatId).isEmpty()) {
            return;
        }
        leave(chatId, null, d, Frames.text(d, "reason"));
    }

    private void leave(String chatId, String fromAgentId, JsonNode d, String reason) {
        // removed first, as in closed(): a connection that a socket's open adds meanwhile is either in this set (told,
        // forgotten) or added after (a new holder); removing after the sends dropped it without forgetting its range
        Set<WebSocketConnection> held = holders.remove(chatId);
        Set<WebSocketConnection> told = ConcurrentHashMap.newKeySet();
        if (held != null) {
            told.addAll(held);
        }
        told.addAll(registry.agents(fromAgentId));
        if (told.isEmpty()) {
            return;
        }
        ObjectNode f = Frames.frame(mapper, "chat.transferred");
        f.put("chatId", chatId);
        f.set("queueId", d.get("queueId"));
        f.set("agentId", reason == null ? d.get("agentId") : null);
        f.set("note", reason == null ? d.get("note") : null);
        if (reason != null) {
            f.put("reason", reason);
        }
        String text = f.toString();
        for (WebSocketConnection c : told) {
            forget(c, chatId);
            ConnectionRegistry.send(c, text);
        }
    }

    /** chat.closed: what is still missing up to the last seq, then {@code closed} / {@code chat.closed}. */
    public void closed(JsonNode d) {
        String chatId = d.path("chatId").asText();
        Set<WebSocketConnection> visitors = registry.visitors(chatId);
        // the chat is over here whatever sockets this instance has: its entries go first, so an early return keeps none
        Set<WebSocketConnection> held = holders.remove(chatId);
        Set<WebSocketConnection> agents = held == null ? Set.of() : held;
        offeredTo.remove(chatId);
        String agentId = Frames.text(d, "agentId");
        if (visitors.isEmpty() && agents.isEmpty() && registry.agents(agentId).isEmpty()) {
            return;
        }
        long lastSeq = d.hasNonNull("lastSeq") ? d.get("lastSeq").asLong() : store.lastSeq(chatId);
        ObjectNode v = Frames.frame(mapper, "closed");
        v.set("by", d.get("by"));
        // a chat an agent held gets the CSAT + CES survey; one only offered (closed by its visitor, or because the visitor
        // left, while an agent was being asked) names that agent but was never held
        v.put("surveyRequested", !visitors.isEmpty() && d.hasNonNull("agentId") && store.wasAssigned(chatId));
        if (d.hasNonNull("reason")) {
            v.set("reason", d.get("reason")); // an addition: not-routed (no queue could take the chat)
        }
        for (WebSocketConnection c : visitors) {
            upTo(c, chatId, lastSeq, null, VISITOR);
            ConnectionRegistry.send(c, v.toString());
        }
        String a = agentClosedFrame(chatId, Frames.text(d, "by"));
        Set<WebSocketConnection> told = ConcurrentHashMap.newKeySet();
        for (WebSocketConnection c : agents) {
            upTo(c, chatId, lastSeq, null, AGENT);
            told.add(c);
        }
        told.addAll(registry.agents(agentId)); // an offered chat closed by the visitor: the offer is gone
        for (WebSocketConnection c : told) {
            ConnectionRegistry.send(c, a);
            forget(c, chatId);
        }
    }

    /**
     * chat.offered: the offer, with the customer's earlier chats and notes, to the agent's connections on this
     * instance (and remembered, for the chat's suggestions). Only the instance holding the agent asks history-service.
     * An offer that expired before it could be written is not (accepting it could only fail): counted in
     * {@code chatroute_delivery_offers_expired_before_delivery_total}. One that was written to a socket is announced
     * ({@code chat.offer.delivered}, once each time the frame goes out): routing counts its timeout as a missed offer.
     */
    public void offered(JsonNode d, ObjectNode frame) {
        String chatId = d.path("chatId").asText();
        String agentId = d.path("agentId").asText(null);
        Set<WebSocketConnection> agents = registry.agents(agentId);
        if (agents.isEmpty()) {
            return;
        }
        if (expired(Frames.text(d, "expiresAt"), chatId)) {
            return;
        }
        if (over(store.status(chatId))) {
            // routing offered it before it read the chat's close (the visitor left meanwhile): nothing to accept, and
            // nothing would ever remove the entry below (closing an offered chat declines nothing)
            return;
        }
        offeredTo.put(chatId, agentId);
        CompletableFuture<String> late = customers.addTo(frame, d.path("visitor").path("customerId").asText(null), chatId);
        String text = frame.toString();
        String offerId = Frames.text(d, "offerId");
        Runnable written = announceDelivery(chatId, agentId, offerId);
        List<WebSocketConnection> to = new ArrayList<>(agents.size());
        for (WebSocketConnection c : agents) {
            // a socket that opened meanwhile may have been given this offer by its open already
            if (firstOffer(c, chatId, offerId)) {
                ConnectionRegistry.send(c, text, written);
                to.add(c);
            }
        }
        if (to.isEmpty()) {
            return;
        }
        // the kept suggestions after the offer is out: the look-up in Redis no longer delays the offer. A failed look-up
        // must not fail the event now that the offer is written (a retry would write it again and announce it again):
        // the suggestions still come live, or with the assignment
        Kept kept;
        try {
            kept = keptSuggestions(chatId);
        } catch (RuntimeException e) {
            LOG.debugf("chat %s: kept suggestions not read with the offer: %s", chatId, e.toString());
            kept = null;
        }
        if (kept != null) {
            for (WebSocketConnection c : to) {
                sendSuggestions(c, chatId, kept.forSeq(), kept.frame());
            }
        }
        if (late != null) {
            late.thenAccept(f -> to.forEach(c -> ConnectionRegistry.send(c, f)));
        }
    }

    /**
     * Marks the offer as given to the connection; false when it was given already. The offer's event and the socket's
     * open can both find it (the open registers the socket, then reads the agent's chats; the event is projected, then
     * reads the sockets), and each socket gets an offer once. An offer without an id is always new. (The open marks only
     * when no event marked first: its read may be older than the event's offer.)
     */
    private boolean firstOffer(WebSocketConnection c, String chatId, String offerId) {
        return offerId == null || !offerId.equals(cursors(c).offers.put(chatId, offerId));
    }

    /**
     * As {@link #firstOffer}, for the visitor's {@code agent.joined} (or {@code transferred}) of one assignment: the
     * agent and the assignment's time, so a chat given back to the same agent later (after a requeue) is told again.
     */
    private boolean firstJoin(WebSocketConnection c, String chatId, String agentId, String assignedAt) {
        if (agentId == null) {
            return true;
        }
        String assignment = agentId + " " + assignedAt;
        return !assignment.equals(cursors(c).joined.put(chatId, assignment));
    }

    /**
     * Whether the offer expired already (now after its {@code expiresAt} plus {@code chatroute.delivery.offer-expiry-grace},
     * for a clock that runs ahead of routing-service's): then it is not written, and counted. An offer without a
     * readable expiry is delivered.
     */
    private boolean expired(String expiresAt, String chatId) {
        if (expiresAt == null) {
            return false;
        }
        try {
            if (Instant.now().isAfter(Instant.parse(expiresAt).plus(config.delivery().offerExpiryGrace()))) {
                expiredBeforeDelivery.increment();
                LOG.debugf("offer of chat %s expired at %s before it could be delivered; not sent", chatId, expiresAt);
                return true;
            }
        } catch (DateTimeParseException e) {
            LOG.debugf("offer of chat %s has an unreadable expiresAt; delivered", chatId);
        }
        return false;
    }

    /** Runs once, on the first socket the offer frame was written to: {@code chat.offer.delivered}. */
    private Runnable announceDelivery(String chatId, String agentId, String offerId) {
        AtomicBoolean once = new AtomicBoolean();
        return () -> {
            if (once.compareAndSet(false, true)) {
                deliveries.delivered(chatId, agentId, offerId, Instant.now());
            }
        };
    }

    /** chat.offer.declined / chat.assignment.failed: the offer is gone. */
    public void offerGone(JsonNode d) {
        String chatId = d.path("chatId").asText();
        offeredTo.remove(chatId);
        // what the offered agent's connections were given of the chat's suggestions (kept until the socket closed)
        Set<WebSocketConnection> holding = holders(chatId);
        for (WebSocketConnection c : registry.agents(Frames.text(d, "agentId"))) {
            Cursors cur = cursors.get(c.id());
            if (cur != null) {
                cur.offers.remove(chatId);
                if (!holding.contains(c)) {
                    cur.suggestedFor.remove(chatId);
                }
            }
        }
    }

    /**
     * kb.suggested: kept in Redis first (the latest non-empty ones, {@code chatroute.suggestions.keep}), then to the
     * agent connections holding the chat, or to the agent it is offered to. Suggestions that arrive before the offer
     * (those for the first message usually do) go out with the offer or the assignment instead: {@link #offered} reads
     * what is kept after it noted the offer, this keeps before it looks for the offer, so one of the two sees the other.
     */
    public void suggestions(JsonNode d) {
        String chatId = d.path("chatId").asText();
        if (d.path("items").isArray() && !d.path("items").isEmpty() && d.path("forSeq").canConvertToLong()) {
            store.keepSuggestions(chatId, d.get("forSeq").asLong(), d.get("items").toString(),
                    config.suggestions().keep());
        }
        Set<WebSocketConnection> to = holders(chatId);
        if (to.isEmpty()) {
            to = registry.agents(offeredTo.get(chatId));
        }
        if (to.isEmpty()) {
            return;
        }
        ObjectNode f = Frames.frame(mapper, "suggestions");
        f.put("chatId", chatId);
        f.set("forSeq", d.get("forSeq"));
        f.set("items", d.get("items"));
        String frame = f.toString();
        long forSeq = d.path("forSeq").asLong();
        for (WebSocketConnection c : to) {
            sendSuggestions(c, chatId, forSeq, frame);
        }
    }

    /**
     * Sends a chat's suggestions for one message unless the connection already has them, or those of a later message:
     * the kept ones go out with the offer and again with the assignment, and may cross the live ones.
     */
    private void sendSuggestions(WebSocketConnection c, String chatId, long forSeq, String frame) {
        boolean[] fresh = {false};
        cursors(c).suggestedFor.compute(chatId, (k, last) -> {
            if (last == null || forSeq > last) {
                fresh[0] = true;
                return forSeq;
            }
            return last;
        });
        if (fresh[0]) {
            ConnectionRegistry.send(c, frame);
        }
    }

    // ------------------------------------------------------------------ sockets

    /**
     * A new agent socket: its open offers and its active chats ({@code chat.assigned} with {@code lastSeq}). A chat
     * the desktop named with its last seq ({@code ?resume=chatId:seq,...}) is followed at once by every stored message
     * above that seq, then live, in seq order. A named chat of this agent's that closed while no socket of it was
     * connected gets what it missed up to the close, then its {@code chat.closed} (since the nineteenth stop): the
     * messages a visitor sent before the close reach the agent's desk even when the socket that would have had them
     * died first (a broker away, then the instance killed).
     */
    public void agentConnected(WebSocketConnection c, String agentId, Map<String, Long> resumeFrom) {
        java.util.Set<String> live = new java.util.HashSet<>();
        for (String chatId : store.liveAgentChats(agentId)) {
            live.add(chatId);
            Map<String, String> chat = store.chat(chatId);
            if (!agentId.equals(chat.get("agentId"))) {
                continue;
            }
            if ("OFFERED".equals(chat.get("status"))) {
                if (expired(ChatService.emptyToNull(chat.get("offerExpiresAt")), chatId)) {
                    continue;
                }
                offeredTo.put(chatId, agentId);
                String offerId = ChatService.emptyToNull(chat.get("offerId"));
                if (cursors(c).offers.containsKey(chatId)) {
                    // an offer's event reached this socket already (it was registered before the event read the
                    // sockets): that one, or a newer one than this read found; either way, nothing to add
                    continue;
                }
                ObjectNode offer = offerFrame(chatId, chat);
                CompletableFuture<String> late = customers.addTo(offer, ChatService.emptyToNull(chat.get("customerId")), chatId);
                if (offerId != null && cursors(c).offers.putIfAbsent(chatId, offerId) != null) {
                    continue; // an event's came meanwhile (this one, or one that replaced it)
                }
                ConnectionRegistry.send(c, offer.toString(), announceDelivery(chatId, agentId, offerId));
                Kept kept = keptSuggestions(chatId);
                if (kept != null) {
                    sendSuggestions(c, chatId, kept.forSeq(), kept.frame());
                }
                if (late != null) {
                    late.thenAccept(f -> ConnectionRegistry.send(c, f));
                }
                closedMeanwhile(c, chatId, agentId);
            } else if ("ACTIVE".equals(chat.get("status"))) {
                hold(c, chatId, chat, mapper.getNodeFactory().textNode(chat.get("queueId")), true, null, resumeFrom.get(chatId));
                closedMeanwhile(c, chatId, agentId);
            }
        }
        for (Map.Entry<String, Long> named : resumeFrom.entrySet()) {
            String chatId = named.getKey();
            if (live.contains(chatId)) {
                continue;
            }
            Map<String, String> chat = store.chat(chatId);
            if (agentId.equals(chat.get("agentId")) && over(chat.get("status"))) {
                resume(c, chatId, named.getValue(), true); // no range kept: the chat is not held here
                ConnectionRegistry.send(c, agentClosedFrame(chatId, ChatService.emptyToNull(chat.get("closedBy"))));
            }
        }
    }

    /**
     * A chat read as OFFERED or ACTIVE on connect that closed before its offer or hold was sent: its {@code chat.closed}
     * may have reached this socket before that frame, so the socket is told again, and nothing of it is kept.
     */
    void closedMeanwhile(WebSocketConnection c, String chatId, String agentId) {
        Map<String, String> now = store.chat(chatId);
        if (!over(now.get("status"))) {
            return;
        }
        offeredTo.remove(chatId, agentId);
        unhold(c, chatId);
        forget(c, chatId);
        ConnectionRegistry.send(c, agentClosedFrame(chatId, ChatService.emptyToNull(now.get("closedBy"))));
    }

    /**
     * A visitor socket opened: its range starts at the chat's last seq (what came before is for {@code resume}), and
     * it is told where the chat stands: {@code agent.joined} when an agent has it, {@code queued} while it waits,
     * {@code closed} when it is over. {@code register} adds the connection to live delivery; it runs under the
     * connection's lock before the chat is read, so a message is either at or below the range's start (resume) or
     * delivered live, never neither.
     */
    public void visitorConnected(WebSocketConnection c, String chatId, Long afterSeq, Runnable register) {
        Cursors cur = cursors(c);
        cur.lock.lock();
        try {
            register.run();
            Map<String, String> chat = store.chat(chatId);
            long lastSeq = parseLong(chat.get("seq"));
            if (afterSeq == null) {
                cur.byChat.putIfAbsent(chatId, new Range(lastSeq, lastSeq));
            } else {
                // a reconnect that names its last seq: what it missed first, then live, strictly in seq order
                long last = afterSeq;
                for (String stored : store.messagesAfter(chatId, afterSeq)) {
                    JsonNode m = read(stored);
                    ConnectionRegistry.send(c, Frames.message(mapper, m, false));
                    last = Math.max(last, m.path("seq").asLong());
                }
                cur.byChat.put(chatId, new Range(afterSeq, last));
            }
            ObjectNode state = visitorState(chat);
            if (state != null) {
                // an addition: this frame is the open's account, not a change; a client that reads the chat's state
                // at its open can tell it from a live frame that overtook that read
                state.put("atOpen", true);
            }
            // an agent.joined the assignment's event already gave this socket (it was registered before the event read
            // the sockets) is not repeated
            boolean told = state != null && "ACTIVE".equals(chat.get("status"))
                    && !firstJoin(c, chatId, chat.get("agentId"), chat.get("assignedAt"));
            if (state != null && !told) {
                ConnectionRegistry.send(c, state.toString());
            }
        } finally {
            cur.lock.unlock();
        }
    }

    private ObjectNode visitorState(Map<String, String> chat) {
        String status = chat.getOrDefault("status", "");
        switch (status) {
            case "ACTIVE" -> {
                Object agent = chats.agentObject(chat);
                if (agent == null) {
                    return null;
                }
                ObjectNode f = Frames.frame(mapper, "agent.joined");
                f.set("agent", mapper.valueToTree(agent));
                return f;
            }
            case "QUEUED", "OFFERED" -> {
                String position = chat.get("position");
                if (position == null || position.isEmpty()) {
                    return null;
                }
                ObjectNode f = Frames.frame(mapper, "queued");
                f.put("position", Long.parseLong(position));
                String wait = chat.get("estimatedWaitSeconds");
                if (wait == null || wait.isEmpty()) {
                    f.putNull("estimatedWaitSeconds");
                } else {
                    f.put("estimatedWaitSeconds", Long.parseLong(wait));
                }
                return f;
            }
            case "OFFLINE" -> {
                ObjectNode f = Frames.frame(mapper, "offline");
                f.put("nextOpenAt", ChatService.emptyToNull(chat.get("nextOpenAt")));
                return f;
            }
            case "CLOSED" -> {
                ObjectNode f = Frames.frame(mapper, "closed");
                f.put("by", ChatService.emptyToNull(chat.get("closedBy")));
                String agentId = chat.get("agentId");
                String assignedAt = chat.get("assignedAt");
                f.put("surveyRequested", agentId != null && !agentId.isEmpty() && assignedAt != null && !assignedAt.isEmpty()
                        && chat.get("surveyedAt") == null);
                String reason = chat.get("closeReason");
                if (reason != null && !reason.isEmpty()) {
                    f.put("reason", reason); // as in the live frame: not-routed, visitor-left
                }
                return f;
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * {@code resume {afterSeq}}: every stored message above afterSeq (both sides') that was not already sent on this
     * connection, in seq order; live delivery goes on from the end. Sent already are the range's messages except the
     * connection's own, which live delivery skips (their {@code ack} told the sender).
     */
    public void resume(WebSocketConnection c, String chatId, long afterSeq, boolean forAgent) {
        String side = forAgent ? AGENT : VISITOR;
        Cursors cur = cursors(c);
        cur.lock.lock();
        try {
            Range r = cur.byChat.get(chatId);
            long from = r == null ? afterSeq : r.from;
            long cursor = r == null ? afterSeq : r.cursor;
            long last = afterSeq;
            for (String stored : store.messagesAfter(chatId, afterSeq)) {
                JsonNode m = read(stored);
                long seq = m.path("seq").asLong();
                boolean sent = seq > from && seq <= cursor && !own(c, side, m);
                if (!sent) {
                    ConnectionRegistry.send(c, Frames.message(mapper, m, forAgent));
                }
                last = Math.max(last, seq);
            }
            if (r != null) {
                r.from = Math.min(r.from, afterSeq);
                r.cursor = Math.max(r.cursor, last);
            } else if (!forAgent) {
                cur.byChat.put(chatId, new Range(afterSeq, last));
            }
            // an agent connection without a range does not hold the chat here (yet, or any more): the messages are
            // sent, but a range kept now would make the chat's next chat.assigned a no-op for it (hold returns early)
        } finally {
            cur.lock.unlock();
        }
    }

    public void disconnected(WebSocketConnection c) {
        cursors.remove(c.id());
        // a chat none of this instance's connections holds any more leaves the map (atomically with hold's add):
        // an empty entry left here was never removed when the chat later closed or moved with no socket here
        for (String chatId : holders.keySet()) {
            unhold(c, chatId);
        }
    }

    /** Whether any connection of this instance holds the chat (tests: the map keeps no chat nobody holds). */
    boolean held(String chatId) {
        return holders.containsKey(chatId);
    }

    /** Whether the instance remembers an open offer of the chat (tests: none for a chat that closed). */
    boolean offerKept(String chatId) {
        return offeredTo.containsKey(chatId);
    }

    /** Whether the instance keeps cursors for the connection (tests: a closed one leaves none). */
    boolean tracks(WebSocketConnection c) {
        return cursors.containsKey(c.id());
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Tells an agent connection it holds the chat. Live assignment: the backlog follows; on connect (reconnect):
     * the frame carries {@code lastSeq} and the agent asks with {@code resume} for what it has not seen.
     */
    private void hold(WebSocketConnection c, String chatId, Map<String, String> chat, JsonNode queueId, boolean onConnect,
                      JsonNode transferredFrom, Long resumeAfter) {
        Cursors cur = cursors(c);
        cur.lock.lock();
        try {
            if (cur.byChat.containsKey(chatId)) {
                return;
            }
            long lastSeq = parseLong(chat.get("seq"));
            ObjectNode f = Frames.frame(mapper, "chat.assigned");
            f.put("chatId", chatId);
            f.set("visitor", chats.visitorOf(chat));
            f.set("form", chats.formOf(chat));
            f.set("queueId", queueId);
            f.put("lastSeq", lastSeq);
            if (transferredFrom != null && !transferredFrom.isNull()) {
                f.set("transferredFrom", transferredFrom);
            }
            ConnectionRegistry.send(c, f.toString());
            holders.compute(chatId, (k, set) -> {
                Set<WebSocketConnection> s = set == null ? ConcurrentHashMap.newKeySet() : set;
                s.add(c);
                return s;
            });
            if (onConnect && resumeAfter != null) {
                // the desktop named its last seq: what it missed (both sides'), then live, in order
                long last = resumeAfter;
                for (String stored : store.messagesAfter(chatId, resumeAfter)) {
                    JsonNode m = read(stored);
                    ConnectionRegistry.send(c, Frames.message(mapper, m, true));
                    last = Math.max(last, m.path("seq").asLong());
                }
                cur.byChat.put(chatId, new Range(resumeAfter, last));
            } else if (onConnect) {
                cur.byChat.put(chatId, new Range(lastSeq, lastSeq));
            } else {
                cur.byChat.put(chatId, new Range(0, 0));
                fill(c, cur, chatId, lastSeq, AGENT);
            }
            // the suggestions kept for the chat (also those of the first message, and after a reload or a transfer)
            Kept kept = keptSuggestions(chatId);
            if (kept != null) {
                sendSuggestions(c, chatId, kept.forSeq(), kept.frame());
            }
        } finally {
            cur.lock.unlock();
        }
        if (!c.isOpen()) {
            // the socket closed while the event was in flight (its connection was read before the close): its close
            // may have cleaned up before the add above, so the entry it would have removed goes here
            unhold(c, chatId);
        }
    }

    /**
     * Brings the connection up to seq: the gap from Redis, then the message itself (when given); true when the message
     * itself was sent now.
     */
    private boolean upTo(WebSocketConnection c, String chatId, long seq, JsonNode message, String side) {
        return upTo(c, chatId, seq, message, side, false);
    }

    /** {@code heldOnly}: nothing for a connection without a range for the chat (see {@link #message(JsonNode, boolean)}). */
    private boolean upTo(WebSocketConnection c, String chatId, long seq, JsonNode message, String side, boolean heldOnly) {
        Cursors cur = heldOnly ? cursors.get(c.id()) : cursors(c);
        if (cur == null) {
            return false;
        }
        cur.lock.lock();
        try {
            if (heldOnly && !cur.byChat.containsKey(chatId)) {
                return false;
            }
            long cursor = cur.cursor(chatId);
            if (seq <= cursor) {
                return false;
            }
            long gapEnd = message == null ? seq : seq - 1;
            if (gapEnd > cursor) {
                fill(c, cur, chatId, gapEnd, side);
            }
            boolean sent = false;
            if (message != null) {
                if (!own(c, side, message)) {
                    ConnectionRegistry.send(c, Frames.message(mapper, message, AGENT.equals(side)));
                    sent = true;
                }
                cur.advance(chatId, seq);
            }
            return sent;
        } finally {
            cur.lock.unlock();
        }
    }

    /** Sends the stored messages between the cursor and upTo that are not the connection's own. */
    private void fill(WebSocketConnection c, Cursors cur, String chatId, long upTo, String side) {
        long cursor = cur.cursor(chatId);
        List<String> stored = store.messagesBetween(chatId, cursor, upTo);
        for (String s : stored) {
            JsonNode m = read(s);
            long seq = m.path("seq").asLong();
            if (seq <= cursor) {
                continue;
            }
            if (!own(c, side, m)) {
                ConnectionRegistry.send(c, Frames.message(mapper, m, AGENT.equals(side)));
            }
            cursor = seq;
            cur.advance(chatId, seq);
        }
    }

    /**
     * The connection's own message, which its {@code ack} already told it: a visitor's to the visitor; an agent's to
     * that agent (another agent's messages, e.g. before a transfer, are not the new agent's own).
     */
    private static boolean own(WebSocketConnection c, String side, JsonNode m) {
        String from = m.path("from").asText();
        if (VISITOR.equals(side)) {
            return VISITOR.equals(from);
        }
        return AGENT.equals(from) && m.path("senderId").asText("").equals(c.userData().get(SocketUpgradeCheck.AGENT_ID));
    }

    private ObjectNode offerFrame(String chatId, Map<String, String> chat) {
        ObjectNode f = Frames.frame(mapper, "offer");
        f.put("chatId", chatId);
        f.put("offerId", chat.get("offerId"));
        f.put("expiresAt", ChatService.emptyToNull(chat.get("offerExpiresAt")));
        f.set("visitor", chats.visitorOf(chat));
        f.set("form", chats.formOf(chat));
        f.put("queueId", ChatService.emptyToNull(chat.get("queueId")));
        List<String> first = store.messagesBetween(chatId, 0, 1);
        f.put("message", first.isEmpty() ? null : read(first.getFirst()).path("text").asText(null));
        return f;
    }

    /** Whether a socket of this instance takes part in the chat: its visitor, an agent holding it or offered it. */
    public boolean hasSocketsFor(String chatId) {
        return !registry.visitors(chatId).isEmpty() || !holders(chatId).isEmpty()
                || !registry.agents(offeredTo.get(chatId)).isEmpty();
    }

    /** The suggestions kept for a chat as a {@code suggestions} frame. */
    private record Kept(long forSeq, String frame) {
    }

    /** What is kept for the chat, or null. */
    private Kept keptSuggestions(String chatId) {
        ChatStore.Suggestions kept = store.suggestions(chatId);
        if (kept == null) {
            return null;
        }
        ObjectNode f = Frames.frame(mapper, "suggestions");
        f.put("chatId", chatId);
        f.put("forSeq", kept.forSeq());
        f.set("items", read(kept.items()));
        return new Kept(kept.forSeq(), f.toString());
    }

    /** The agent sockets on this instance that hold the chat, or the offered agent's (typing goes there too). */
    public Set<WebSocketConnection> agentSockets(String chatId) {
        Set<WebSocketConnection> to = holders(chatId);
        return to.isEmpty() ? registry.agents(offeredTo.get(chatId)) : to;
    }

    /** chat.read: the other side learns how far this one has read. */
    public void read(JsonNode d) {
        String chatId = d.path("chatId").asText();
        ObjectNode f = Frames.frame(mapper, "read");
        f.set("by", d.get("by"));
        f.set("upToSeq", d.get("upToSeq"));
        if ("visitor".equals(d.path("by").asText())) {
            f.put("chatId", chatId);
            String text = f.toString();
            holders(chatId).forEach(c -> ConnectionRegistry.send(c, text));
        } else {
            String text = f.toString();
            registry.visitors(chatId).forEach(c -> ConnectionRegistry.send(c, text));
        }
    }

    /**
     * A chat that closed here: nothing more is delivered for it. (A chat this store does not know is delivered as
     * before: its offer still times out at routing, which removes it.)
     */
    private static boolean over(String status) {
        return "CLOSED".equals(status);
    }

    /** The connection no longer holds the chat here; a chat nobody here holds leaves the map. */
    private void unhold(WebSocketConnection c, String chatId) {
        holders.computeIfPresent(chatId, (k, set) -> {
            set.remove(c);
            return set.isEmpty() ? null : set;
        });
    }

    /** {@code chat.closed {chatId, by}} for an agent's socket. */
    private String agentClosedFrame(String chatId, String by) {
        ObjectNode a = Frames.frame(mapper, "chat.closed");
        a.put("chatId", chatId);
        a.put("by", by);
        return a.toString();
    }

    private Set<WebSocketConnection> holders(String chatId) {
        return holders.getOrDefault(chatId, Set.of());
    }

    /** A closed connection's cursors are not kept: its close cleaned up (or will), and a late event adds nothing. */
    private Cursors cursors(WebSocketConnection c) {
        Cursors cur = cursors.computeIfAbsent(c.id(), k -> new Cursors());
        if (!c.isOpen()) {
            cursors.remove(c.id(), cur);
        }
        return cur;
    }

    private void forget(WebSocketConnection c, String chatId) {
        Cursors cur = cursors.get(c.id());
        if (cur != null) {
            cur.lock.lock();
            try {
                cur.byChat.remove(chatId);
                cur.suggestedFor.remove(chatId);
                cur.offers.remove(chatId);
                cur.joined.remove(chatId);
            } finally {
                cur.lock.unlock();
            }
        }
    }

    private JsonNode read(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt stored message", e);
        }
    }

    private static long parseLong(String s) {
        return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
    }
}
