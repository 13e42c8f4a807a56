package io.chatroute.session.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.persistence.ChatStore;
import jakarta.enterprise.context.ApplicationScoped;

/** Keeps a chat's status/queue/agent in Redis from routing's events, once per event id (Lua). */
@ApplicationScoped
public class Projector {

    private final ChatStore store;
    private final SessionConfig config;

    public Projector(ChatStore store, SessionConfig config) {
        this.store = store;
        this.config = config;
    }

    /** The event types the projection applies. */
    public static boolean projects(String type) {
        return switch (type) {
            case "chat.queued", "chat.offline", "chat.offered", "chat.offer.declined", "chat.assignment.failed", "chat.assigned",
                 "chat.transferred", "chat.closed", "chat.routing.failed" -> true;
            default -> false;
        };
    }

    /** Applies the event if it is one the projection knows; returns true when it changed the chat. */
    public boolean apply(String eventId, String type, JsonNode d) {
        String chatId = text(d, "chatId");
        if (eventId == null || type == null || chatId == null) {
            throw new PoisonEventException(type + " " + eventId + ": no event id or chatId");
        }
        if ("chat.routing.failed".equals(type)) {
            return notRouted(eventId, chatId);
        }
        Map<String, String> f = new LinkedHashMap<>();
        String statuses;
        String offerId = null;
        switch (type) {
            case "chat.queued" -> {
                statuses = "QUEUED,OFFLINE";
                f.put("status", "QUEUED");
                f.put("queueId", text(d, "queueId"));
                f.put("position", text(d, "position"));
                f.put("estimatedWaitSeconds", text(d, "estimatedWaitSeconds"));
                if (requeued(d)) {
                    // routing put a held chat back in line (its agent went offline, or a transfer): no agent now
                    statuses = "QUEUED,OFFLINE,ACTIVE";
                    f.put("agentId", "");
                    f.put("agent", "");
                    f.put("offerId", "");
                }
            }
            case "chat.offline" -> {
                // the queue is closed: the chat waits, with no place in line, until nextOpenAt
                statuses = "QUEUED,OFFLINE";
                f.put("status", "OFFLINE");
                f.put("queueId", text(d, "queueId"));
                f.put("nextOpenAt", text(d, "nextOpenAt"));
                // a message left for a closed queue, answered later whoever is connected then: never closed because its
                // visitor left (close_chat.lua), also once the queue opens
                f.put("leftForLater", "1");
                f.put("position", "");
                f.put("estimatedWaitSeconds", "");
            }
            case "chat.offered" -> {
                statuses = "QUEUED,OFFLINE,OFFERED";
                f.put("status", "OFFERED");
                f.put("agentId", text(d, "agentId"));
                f.put("offerId", text(d, "offerId"));
                f.put("offerExpiresAt", text(d, "expiresAt"));
                f.put("queueId", text(d, "queueId"));
            }
            case "chat.offer.declined", "chat.assignment.failed" -> {
                statuses = "OFFERED";
                offerId = text(d, "offerId");
                f.put("status", "QUEUED");
                f.put("agentId", "");
                f.put("offerId", "");
            }
            case "chat.assigned" -> {
                statuses = "QUEUED,OFFLINE,OFFERED";
                f.put("status", "ACTIVE");
                f.put("agentId", text(d, "agentId"));
                f.put("agent", d.path("agent").toString());
                f.put("queueId", text(d, "queueId"));
                f.put("assignedAt", text(d, "assignedAt"));
                f.put("position", "");
                f.put("estimatedWaitSeconds", "");
            }
            case "chat.transferred" -> {
                // the chat left its agent; routing offers it again (to the target agent or the queue)
                statuses = "ACTIVE";
                f.put("status", "QUEUED");
                f.put("agentId", "");
                f.put("agent", "");
                f.put("offerId", "");
                f.put("queueId", text(d, "queueId"));
                f.put("transferredFrom", text(d, "fromAgentId"));
                f.put("position", "");
                f.put("estimatedWaitSeconds", "");
            }
            case "chat.closed" -> {
                statuses = "QUEUED,OFFLINE,OFFERED,ACTIVE";
                f.put("status", "CLOSED");
                f.put("closedAt", text(d, "closedAt"));
                f.put("closedBy", text(d, "by"));
            }
            default -> {
                return false;
            }
        }
        return store.project(eventId, chatId, config.processedTtl(), statuses, offerId, f) == 1;
    }

    /**
     * Routing could place the chat in no queue (it was accepted while routing was away, and no rule takes its form):
     * the chat is closed by the system with reason not-routed, its chat.closed appended in the same script. Idempotent
     * (a closed chat stays as it is); the event id of that chat.closed is derived from routing's, so the state and
     * delivery consumers applying the same event cannot append two.
     */
    private boolean notRouted(String eventId, String chatId) {
        String closedId = UUID.nameUUIDFromBytes(("not-routed:" + eventId).getBytes(StandardCharsets.UTF_8)).toString();
        return "ok".equals(store.close(chatId, "system", null, closedId, Instant.now().toString(), config.retention().closedChat(),
                "not-routed").await().indefinitely().status());
    }

    /** A chat.queued that puts a chat an agent held back in line (routing's reason). */
    public static boolean requeued(JsonNode d) {
        String reason = text(d, "reason");
        return "agent-lost".equals(reason) || "transferred".equals(reason);
    }

    static String text(JsonNode d, String field) {
        JsonNode v = d.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
