package io.chatroute.session.messaging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.api.ChatDelivery;
import io.chatroute.session.api.ConnectionRegistry;
import io.chatroute.session.api.Frames;
import io.chatroute.session.config.SessionConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Group {@code session-service-<instance id>}, no committed offsets: every instance reads every event from the
 * moment it started ({@link DeliveryPositions}) and pushes frames to the sockets it holds. What a socket needs from
 * before its connection comes from Redis, not from replaying the topic: agents get their offers and chats on connect,
 * both sides {@code resume} from their last seq, and messages are put on a socket by {@link ChatDelivery} exactly once
 * and in seq order. The projection is applied first (idempotent), so a frame never runs ahead of the state it
 * announces; a Redis failure is retried (the partition waits).
 */
@ApplicationScoped
public class DeliveryConsumer {

    private static final Logger LOG = Logger.getLogger(DeliveryConsumer.class);
    static final String CHANNEL = "delivery";
    private static final int SEEN_MAX = 10_000;

    private final Projector projector;
    private final ConnectionRegistry registry;
    private final ChatDelivery delivery;
    private final io.chatroute.session.api.DashboardFeed dashboards;
    private final TransientRetry retry;
    private final ObjectMapper mapper;
    private final Set<String> seen = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > SEEN_MAX;
        }
    });

    private final DeliveryPositions positions;
    private final KeyedBatches batches;

    public DeliveryConsumer(Projector projector, ConnectionRegistry registry, ChatDelivery delivery, TransientRetry retry,
                            ObjectMapper mapper, io.chatroute.session.api.DashboardFeed dashboards,
                            @Identifier(DeliveryPositions.NAME) DeliveryPositions positions, SessionConfig config) {
        this.positions = positions;
        this.batches = new KeyedBatches("session-delivery", config.consumer().handlerThreads());
        this.dashboards = dashboards;
        this.projector = projector;
        this.registry = registry;
        this.delivery = delivery;
        this.retry = retry;
        this.mapper = mapper;
    }

    /**
     * One batch per poll (one hand-over to a worker thread); each chat's records in order, different chats at the same
     * time ({@link KeyedBatches}). The partitions' positions move on once the whole batch was delivered.
     */
    @Incoming(CHANNEL)
    @Blocking
    public void onEvents(ConsumerRecords<String, String> records) {
        batches.apply(records, ConsumerRecord::key, r -> true, this::onEvent);
        for (ConsumerRecord<String, String> r : records) {
            positions.handled(r.topic(), r.partition(), r.offset());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        batches.shutdown();
    }

    void onEvent(ConsumerRecord<String, String> record) {
        IncomingEvent e = IncomingEvent.of(record);
        if (e.type() == null || !delivers(e.type())) {
            return;
        }
        if (!Projector.projects(e.type()) && forSocketsElsewhere(e)) {
            return; // nothing to project and no socket here for this chat: not even parsed
        }
        synchronized (seen) {
            if (e.id() != null && seen.contains(e.id())) {
                return;
            }
        }
        JsonNode d;
        try {
            d = e.json(mapper);
        } catch (PoisonEventException poison) {
            // the state consumer (group session-service, once across the instances) dead-letters it; nothing to push
            LOG.debugf("delivery: skipping poison record %s", poison.getMessage());
            return;
        }
        retry.run(CHANNEL, e.describe(), () -> {
            if (Projector.projects(e.type())) {
                projector.apply(e.id(), e.type(), d);
            }
            deliver(e.type(), d);
        });
        synchronized (seen) {
            seen.add(e.id());
        }
    }

    /**
     * A message for a chat none of this instance's sockets takes part in (the record key is the chat id): with several
     * instances, most messages are for the others' sockets. (A suggestion is always read: it is kept for the offer.)
     */
    private boolean forSocketsElsewhere(IncomingEvent e) {
        return "chat.message.posted".equals(e.type()) && e.key() != null && !delivery.hasSocketsFor(e.key());
    }

    /** The event types this consumer pushes to sockets (the state consumer dead-letters their poison records). */
    static boolean delivers(String type) {
        return Projector.projects(type) || "chat.message.posted".equals(type) || "kb.suggested".equals(type)
                || "stats.updated".equals(type) || "chat.read".equals(type) || "chat.transfer.failed".equals(type)
                || "agent.capacity.changed".equals(type) || "agent.presence.changed".equals(type);
    }

    private void deliver(String type, JsonNode d) {
        switch (type) {
            case "chat.queued" -> {
                ObjectNode f = Frames.frame(mapper, "queued");
                f.set("position", d.get("position"));
                f.set("estimatedWaitSeconds", d.get("estimatedWaitSeconds"));
                send(registry.visitors(Projector.text(d, "chatId")), f);
                if (Projector.requeued(d)) {
                    delivery.left(d); // the agent who held it is told, and gets no more of its messages
                }
            }
            case "chat.offline" -> {
                // an addition: the queue is closed; the visitor's message is kept and the chat is routed at nextOpenAt
                ObjectNode f = Frames.frame(mapper, "offline");
                f.set("nextOpenAt", d.get("nextOpenAt"));
                send(registry.visitors(Projector.text(d, "chatId")), f);
            }
            case "chat.offered" -> {
                ObjectNode f = Frames.frame(mapper, "offer");
                f.put("chatId", Projector.text(d, "chatId"));
                f.set("offerId", d.get("offerId"));
                f.set("expiresAt", d.get("expiresAt"));
                f.set("visitor", d.has("visitor") ? d.get("visitor") : mapper.createObjectNode());
                f.set("form", d.has("form") ? d.get("form") : mapper.createObjectNode());
                f.set("queueId", d.get("queueId"));
                f.set("message", d.get("message"));
                if (d.hasNonNull("transfer")) {
                    f.set("transfer", d.get("transfer")); // why it comes: who transferred it, and their note
                }
                delivery.offered(d, f); // adds history, notes and historyStatus
            }
            case "chat.offer.declined", "chat.assignment.failed" -> delivery.offerGone(d);
            case "chat.assigned" -> delivery.assigned(d);
            case "chat.transferred" -> delivery.transferred(d);
            case "chat.transfer.failed" -> {
                ObjectNode f = Frames.frame(mapper, "error");
                f.put("code", "transfer-failed");
                f.put("message", "the chat could not be transferred: " + d.path("reason").asText("refused"));
                f.put("chatId", Projector.text(d, "chatId"));
                f.set("requestId", d.get("requestId"));
                send(registry.agents(Projector.text(d, "fromAgentId")), f);
            }
            case "chat.message.posted" -> delivery.message(d);
            case "chat.closed" -> delivery.closed(d);
            case "kb.suggested" -> delivery.suggestions(d);
            case "stats.updated" -> dashboards.update(d);
            case "chat.read" -> delivery.read(d);
            case "agent.presence.changed" -> {
                // an addition: the agent's desktop learns when routing changed its presence (e.g. AWAY after a
                // missed offer), so it can show it and offer to become available again
                ObjectNode f = Frames.frame(mapper, "presence");
                f.set("status", d.get("status"));
                f.set("reason", d.get("reason"));
                sendLive(registry.agents(Projector.text(d, "agentId")), f);
            }
            case "agent.capacity.changed" -> {
                ObjectNode f = Frames.frame(mapper, "capacity");
                f.set("active", d.get("active"));
                f.set("max", d.get("max"));
                sendLive(registry.agents(Projector.text(d, "agentId")), f);
            }
            default -> {
                // not for sockets
            }
        }
    }

    /**
     * A presence or capacity frame: the connection is marked, so routing's answer to the socket's opening is not sent
     * after it (CurrentPresence).
     */
    private static void sendLive(Set<io.quarkus.websockets.next.WebSocketConnection> to, ObjectNode frame) {
        String text = frame.toString();
        String type = frame.path("type").asText();
        to.forEach(c -> io.chatroute.session.api.CurrentPresence.sendLive(c, type, text));
    }

    private static void send(Set<io.quarkus.websockets.next.WebSocketConnection> to, ObjectNode frame) {
        String text = frame.toString();
        to.forEach(c -> ConnectionRegistry.send(c, text));
    }
}
