package io.chatroute.session.api;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.messaging.CustomerContext;
import io.chatroute.session.persistence.ChatStore;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Puts a chat's messages on the sockets this instance holds: exactly once per connection and in {@code seq} order,
 * whatever order the events arrive in and however they interleave with {@code resume}.
 *
 * <p>Each connection keeps, per chat, the highest {@code seq} it was given (its cursor), under the connection's
 * lock. A message at or below the cursor is not sent again; a message above {@code cursor + 1} first sends the
 * missing ones from Redis (the chat's message list is written before its event is published, so the gap is always
 * there to read). A connection's own side's messages (the visitor's to the visitor, the agent's to the agent) move
 * the cursor without being sent.
 *
 * <p>An agent connection holds a chat once it was told of the assignment ({@code chat.assigned}, live or on
 * connect); then it gets the backlog (every visitor message since the chat began, also those posted before the
 * assignment) and every later message. Nothing depends on the projection having caught up.
 */
@ApplicationScoped
public class ChatDelivery {

    private static final String VISITOR = "visitor";
    private static final String AGENT = "agent";

    /** Per-connection cursors and the lock that orders everything sent on that connection. */
    private static final class Cursors {
        final ReentrantLock lock = new ReentrantLock();
        final Map<String, Long> byChat = new HashMap<>();
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

    public ChatDelivery(ConnectionRegistry registry, ChatStore store, ChatService chats, CustomerContext customers, ObjectMapper mapper) {
        this.customers = customers;
        this.registry = registry;
        this.store = store;
        this.chats = chats;
        this.mapper = mapper;
    }

    // ------------------------------------------------------------------ events

    /** chat.message.posted: to the chat's visitors and to the agent connections holding it. */
    public void message(JsonNode d) {
        String chatId = d.path("chatId").asText();
        long seq = d.path("seq").asLong();
        for (WebSocketConnection c : registry.visitors(chatId)) {
            upTo(c, chatId, seq, d, VISITOR);
        }
        for (WebSocketConnection c : holders(chatId)) {
            upTo(c, chatId, seq, d, AGENT);
        }
    }

    /** chat.assigned: {@code agent.joined} to the visitors; {@code chat.assigned} and the backlog to the agent. */
    public void assigned(JsonNode d) {
        String chatId = d.path("chatId").asText();
        offeredTo.remove(chatId);
        ObjectNode joined = Frames.frame(mapper, "agent.joined");
        joined.set("agent", d.get("agent"));
        for (WebSocketConnection c : registry.visitors(chatId)) {
            ConnectionRegistry.send(c, joined.toString());
        }
        String agentId = d.path("agentId").asText(null);
        Set<WebSocketConnection> agents = registry.agents(agentId);
        if (agents.isEmpty()) {
            return;
        }
        Map<String, String> chat = store.chat(chatId);
        for (WebSocketConnection c : agents) {
            hold(c, chatId, chat, d.get("queueId"), false);
        }
    }

    /** chat.closed: what is still missing up to the last seq, then {@code closed} / {@code chat.closed}. */
    public void closed(JsonNode d) {
        String chatId = d.path("chatId").asText();
        Set<WebSocketConnection> visitors = registry.visitors(chatId);
        Set<WebSocketConnection> agents = holders(chatId);
        String agentId = Frames.text(d, "agentId");
        if (visitors.isEmpty() && agents.isEmpty() && registry.agents(agentId).isEmpty()) {
            return;
        }
        long lastSeq = d.hasNonNull("lastSeq") ? d.get("lastSeq").asLong() : store.lastSeq(chatId);
        ObjectNode v = Frames.frame(mapper, "closed");
        v.set("by", d.get("by"));
        v.put("surveyRequested", d.hasNonNull("agentId")); // a chat an agent held gets the CSAT + CES survey
        for (WebSocketConnection c : visitors) {
            upTo(c, chatId, lastSeq, null, VISITOR);
            ConnectionRegistry.send(c, v.toString());
        }
        ObjectNode a = Frames.frame(mapper, "chat.closed");
        a.put("chatId", chatId);
        a.set("by", d.get("by"));
        Set<WebSocketConnection> told = ConcurrentHashMap.newKeySet();
        for (WebSocketConnection c : agents) {
            upTo(c, chatId, lastSeq, null, AGENT);
            told.add(c);
        }
        told.addAll(registry.agents(agentId)); // an offered chat closed by the visitor: the offer is gone
        for (WebSocketConnection c : told) {
            ConnectionRegistry.send(c, a.toString());
            forget(c, chatId);
        }
        holders.remove(chatId);
        offeredTo.remove(chatId);
    }

    /**
     * chat.offered: the offer, with the customer's earlier chats and notes, to the agent's connections on this
     * instance (and remembered, for the chat's suggestions). Only the instance holding the agent asks history-service.
     */
    public void offered(JsonNode d, ObjectNode frame) {
        String chatId = d.path("chatId").asText();
        String agentId = d.path("agentId").asText(null);
        Set<WebSocketConnection> agents = registry.agents(agentId);
        if (agents.isEmpty()) {
            return;
        }
        offeredTo.put(chatId, agentId);
        CompletableFuture<String> late = customers.addTo(frame, d.path("visitor").path("customerId").asText(null), chatId);
        String text = frame.toString();
        for (WebSocketConnection c : agents) {
            ConnectionRegistry.send(c, text);
        }
        if (late != null) {
            late.thenAccept(f -> agents.forEach(c -> ConnectionRegistry.send(c, f)));
        }
    }

    /** chat.offer.declined / chat.assignment.failed: the offer is gone. */
    public void offerGone(JsonNode d) {
        offeredTo.remove(d.path("chatId").asText());
    }

    /**
     * kb.suggested: to the agent connections holding the chat, or to the agent it is offered to. No store read:
     * suggestions for a chat nobody here holds or was offered are not for this instance's sockets.
     */
    public void suggestions(JsonNode d) {
        String chatId = d.path("chatId").asText();
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
        for (WebSocketConnection c : to) {
            ConnectionRegistry.send(c, f.toString());
        }
    }

    // ------------------------------------------------------------------ sockets

    /** A new agent socket: its open offers and its active chats ({@code chat.assigned} with {@code lastSeq}). */
    public void agentConnected(WebSocketConnection c, String agentId) {
        for (String chatId : store.agentChats(agentId)) {
            Map<String, String> chat = store.chat(chatId);
            if (!agentId.equals(chat.get("agentId"))) {
                continue;
            }
            if ("OFFERED".equals(chat.get("status"))) {
                offeredTo.put(chatId, agentId);
                ObjectNode offer = offerFrame(chatId, chat);
                CompletableFuture<String> late = customers.addTo(offer, ChatService.emptyToNull(chat.get("customerId")), chatId);
                ConnectionRegistry.send(c, offer.toString());
                if (late != null) {
                    late.thenAccept(f -> ConnectionRegistry.send(c, f));
                }
            } else if ("ACTIVE".equals(chat.get("status"))) {
                hold(c, chatId, chat, mapper.getNodeFactory().textNode(chat.get("queueId")), true);
            }
        }
    }

    /** {@code resume {afterSeq}}: every stored message above afterSeq, then live delivery goes on from there. */
    public void resume(WebSocketConnection c, String chatId, long afterSeq, boolean forAgent) {
        Cursors cur = cursors(c);
        cur.lock.lock();
        try {
            long last = afterSeq;
            for (String stored : store.messagesAfter(chatId, afterSeq)) {
                JsonNode m = read(stored);
                ConnectionRegistry.send(c, Frames.message(mapper, m, forAgent));
                last = m.path("seq").asLong(last);
            }
            cur.byChat.merge(chatId, last, Math::max);
        } finally {
            cur.lock.unlock();
        }
    }

    public void disconnected(WebSocketConnection c) {
        cursors.remove(c.id());
        holders.values().forEach(set -> set.remove(c));
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Tells an agent connection it holds the chat. Live assignment: the backlog follows; on connect (reconnect):
     * the frame carries {@code lastSeq} and the agent asks with {@code resume} for what it has not seen.
     */
    private void hold(WebSocketConnection c, String chatId, Map<String, String> chat, JsonNode queueId, boolean onConnect) {
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
            ConnectionRegistry.send(c, f.toString());
            holders.computeIfAbsent(chatId, k -> ConcurrentHashMap.newKeySet()).add(c);
            if (onConnect) {
                cur.byChat.put(chatId, lastSeq);
            } else {
                cur.byChat.put(chatId, 0L);
                fill(c, cur, chatId, lastSeq, AGENT);
            }
        } finally {
            cur.lock.unlock();
        }
    }

    /** Brings the connection up to seq: the gap from Redis, then the message itself (when given). */
    private void upTo(WebSocketConnection c, String chatId, long seq, JsonNode message, String side) {
        Cursors cur = cursors(c);
        cur.lock.lock();
        try {
            long cursor = cur.byChat.getOrDefault(chatId, 0L);
            if (seq <= cursor) {
                return;
            }
            long gapEnd = message == null ? seq : seq - 1;
            if (gapEnd > cursor) {
                fill(c, cur, chatId, gapEnd, side);
            }
            if (message != null) {
                if (!side.equals(message.path("from").asText())) {
                    ConnectionRegistry.send(c, Frames.message(mapper, message, AGENT.equals(side)));
                }
                cur.byChat.put(chatId, seq);
            }
        } finally {
            cur.lock.unlock();
        }
    }

    /** Sends the stored messages between the cursor and upTo that are not the connection's own side's. */
    private void fill(WebSocketConnection c, Cursors cur, String chatId, long upTo, String side) {
        long cursor = cur.byChat.getOrDefault(chatId, 0L);
        List<String> stored = store.messagesBetween(chatId, cursor, upTo);
        for (String s : stored) {
            JsonNode m = read(s);
            long seq = m.path("seq").asLong();
            if (seq <= cursor) {
                continue;
            }
            if (!side.equals(m.path("from").asText())) {
                ConnectionRegistry.send(c, Frames.message(mapper, m, AGENT.equals(side)));
            }
            cursor = seq;
            cur.byChat.put(chatId, seq);
        }
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

    private Set<WebSocketConnection> holders(String chatId) {
        return holders.getOrDefault(chatId, Set.of());
    }

    private Cursors cursors(WebSocketConnection c) {
        return cursors.computeIfAbsent(c.id(), k -> new Cursors());
    }

    private void forget(WebSocketConnection c, String chatId) {
        Cursors cur = cursors.get(c.id());
        if (cur != null) {
            cur.lock.lock();
            try {
                cur.byChat.remove(chatId);
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
