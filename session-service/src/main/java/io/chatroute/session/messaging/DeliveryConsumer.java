package io.chatroute.session.messaging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.api.ChatService;
import io.chatroute.session.api.ConnectionRegistry;
import io.chatroute.session.api.Frames;
import io.chatroute.session.persistence.ChatStore;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Group {@code session-service-<instance id>}: every instance reads every event and pushes frames to
 * the sockets it holds. The chat's state comes from Redis, never from another instance's memory. The
 * projection is applied first (idempotent), so a frame never runs ahead of the state it announces.
 */
@ApplicationScoped
public class DeliveryConsumer {

    private static final Logger LOG = Logger.getLogger(DeliveryConsumer.class);
    private static final int SEEN_MAX = 10_000;

    private final Projector projector;
    private final ConnectionRegistry registry;
    private final ChatStore store;
    private final ChatService chats;
    private final ObjectMapper mapper;
    private final Set<String> seen = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > SEEN_MAX;
        }
    });

    public DeliveryConsumer(Projector projector, ConnectionRegistry registry, ChatStore store, ChatService chats,
                            ObjectMapper mapper) {
        this.projector = projector;
        this.registry = registry;
        this.store = store;
        this.chats = chats;
        this.mapper = mapper;
    }

    @Incoming("delivery")
    @Blocking
    public void onEvent(ConsumerRecord<String, String> record) {
        IncomingEvent e = IncomingEvent.of(record);
        if (e.type() == null || e.data() == null) {
            return;
        }
        synchronized (seen) {
            if (e.id() != null && !seen.add(e.id())) {
                return;
            }
        }
        try {
            JsonNode d = mapper.readTree(e.data());
            if (e.type().startsWith("chat.")) {
                projector.apply(e.id(), e.type(), d);
            }
            deliver(e.type(), d);
        } catch (Exception ex) {
            LOG.warnf("could not deliver %s %s: %s", e.type(), e.id(), ex.toString());
        }
    }

    private void deliver(String type, JsonNode d) {
        String chatId = Projector.text(d, "chatId");
        switch (type) {
            case "chat.queued" -> {
                ObjectNode f = Frames.frame(mapper, "queued");
                f.set("position", d.get("position"));
                f.set("estimatedWaitSeconds", d.get("estimatedWaitSeconds"));
                toVisitors(chatId, f.toString());
            }
            case "chat.offered" -> {
                ObjectNode f = Frames.frame(mapper, "offer");
                f.put("chatId", chatId);
                f.set("offerId", d.get("offerId"));
                f.set("expiresAt", d.get("expiresAt"));
                f.set("visitor", d.has("visitor") ? d.get("visitor") : mapper.createObjectNode());
                f.set("form", d.has("form") ? d.get("form") : mapper.createObjectNode());
                f.set("queueId", d.get("queueId"));
                f.set("message", d.get("message"));
                f.set("history", mapper.createArrayNode());
                toAgent(Projector.text(d, "agentId"), f.toString());
            }
            case "chat.assigned" -> {
                ObjectNode joined = Frames.frame(mapper, "agent.joined");
                joined.set("agent", d.get("agent"));
                toVisitors(chatId, joined.toString());
                String agentId = Projector.text(d, "agentId");
                if (!registry.agents(agentId).isEmpty()) {
                    Map<String, String> chat = store.chat(chatId);
                    ObjectNode f = Frames.frame(mapper, "chat.assigned");
                    f.put("chatId", chatId);
                    f.set("visitor", chats.visitorOf(chat));
                    f.set("form", chats.formOf(chat));
                    f.set("queueId", d.get("queueId"));
                    toAgent(agentId, f.toString());
                }
            }
            case "chat.message.posted" -> {
                String from = Projector.text(d, "from");
                if (!"visitor".equals(from)) {
                    toVisitors(chatId, Frames.message(mapper, d, false));
                }
                if (!"agent".equals(from) && registry.hasAgents()) {
                    toAgent(assignedAgent(chatId, true), Frames.message(mapper, d, true));
                }
            }
            case "chat.closed" -> {
                ObjectNode f = Frames.frame(mapper, "closed");
                f.set("by", d.get("by"));
                f.put("surveyRequested", false);
                toVisitors(chatId, f.toString());
                String agentId = Projector.text(d, "agentId");
                if (agentId == null && registry.hasAgents()) {
                    agentId = assignedAgent(chatId, false);
                }
                ObjectNode a = Frames.frame(mapper, "chat.closed");
                a.put("chatId", chatId);
                a.set("by", d.get("by"));
                toAgent(agentId, a.toString());
            }
            case "kb.suggested" -> {
                if (registry.hasAgents()) {
                    ObjectNode f = Frames.frame(mapper, "suggestions");
                    f.put("chatId", chatId);
                    f.set("forSeq", d.get("forSeq"));
                    f.set("items", d.get("items"));
                    toAgent(assignedAgent(chatId, false), f.toString());
                }
            }
            case "agent.capacity.changed" -> {
                ObjectNode f = Frames.frame(mapper, "capacity");
                f.set("active", d.get("active"));
                f.set("max", d.get("max"));
                toAgent(Projector.text(d, "agentId"), f.toString());
            }
            default -> {
                // not for sockets
            }
        }
    }

    /** The agent holding the chat (assigned; or also offered when {@code activeOnly} is false). */
    private String assignedAgent(String chatId, boolean activeOnly) {
        Map<String, String> chat = store.chat(chatId);
        String agentId = chat.get("agentId");
        if (agentId == null || agentId.isEmpty()) {
            return null;
        }
        String status = chat.get("status");
        return !activeOnly || "ACTIVE".equals(status) ? agentId : null;
    }

    private void toVisitors(String chatId, String frame) {
        for (WebSocketConnection c : registry.visitors(chatId)) {
            ConnectionRegistry.send(c, frame);
        }
    }

    private void toAgent(String agentId, String frame) {
        for (WebSocketConnection c : registry.agents(agentId)) {
            ConnectionRegistry.send(c, frame);
        }
    }
}
