package io.chatroute.routing.messaging;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.routing.config.RoutingConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Reads {@code chat-events} and {@code agent-events} (CloudEvents binary mode: {@code ce_*} headers, JSON value) and
 * hands the types routing knows to {@link Router}; every handler is idempotent on {@code ce_id}.
 */
@ApplicationScoped
public class EventConsumer {
    private static final String SESSION = "/session-service";

    private final Router router;
    private final TransientRetry retry;
    private final DeadLetters deadLetters;
    private final ObjectMapper json;
    private final KeyedBatches handlers;

    public EventConsumer(Router router, TransientRetry retry, DeadLetters deadLetters, ObjectMapper json, RoutingConfig config) {
        this.router = router;
        this.retry = retry;
        this.deadLetters = deadLetters;
        this.json = json;
        this.handlers = new KeyedBatches("routing-handler", config.handlerThreads(), config.virtualThreads());
    }

    void onStop(@Observes ShutdownEvent event) {
        handlers.shutdown();
    }

    /**
     * Records arrive in batches (one per poll; {@code batch=true}): one hand-over to a worker thread per batch
     * instead of per record, which matters because most chat-events (messages) are not routing's. The records routing
     * handles are grouped by key (the chat or the agent): each key's records are applied one by one in order, different
     * keys at the same time on {@code handler-threads} threads, so a batch costs about as many Redis round trips as its
     * busiest chat instead of the sum over all of them. The batch is acknowledged when every record was applied; the
     * next batch of the partitions starts after it, so a chat's order holds across batches too.
     */
    @Incoming("chat-events-in")
    @Blocking
    public void onChatEvents(ConsumerRecords<String, String> records) {
        handleBatch("chat-events-in", records);
    }

    @Incoming("agent-events-in")
    @Blocking
    public void onAgentEvents(ConsumerRecords<String, String> records) {
        handleBatch("agent-events-in", records);
    }

    void handleBatch(String channel, Iterable<ConsumerRecord<String, String>> records) {
        handlers.apply(records, ConsumerRecord::key, r -> {
            String type = header(r, "ce_type");
            return type != null && known(type, header(r, "ce_source"));
        }, r -> handle(channel, r));
    }

    /**
     * A transient failure (Redis busy or down, the producer's buffer full) is retried with back-off until it
     * succeeds, holding back the partition and so the chat's later events; a poison record (no ce_id, data that is
     * not a JSON object, or that breaks what the producer's schema requires: {@link EventShapes}) goes to
     * {@code dead-letter-topic-<channel>} and the partition moves on.
     */
    void handle(String channel, ConsumerRecord<String, String> record) {
        String type = header(record, "ce_type");
        String id = header(record, "ce_id");
        String source = header(record, "ce_source");
        if (type == null || !known(type, source)) {
            return;
        }
        retry.run(channel, type + " " + id, () -> {
            try {
                dispatch(type, id, parse(type, id, record.value()));
            } catch (PoisonEventException poison) {
                deadLetters.park(channel, record, poison);
            }
        });
    }

    private JsonNode parse(String type, String id, String value) {
        if (id == null || id.isBlank()) {
            throw new PoisonEventException(type + " without a ce_id");
        }
        JsonNode data;
        try {
            data = value == null ? null : json.readTree(value);
        } catch (Exception e) {
            throw new PoisonEventException(type + " " + id + ": the data is not JSON", e);
        }
        if (data == null || !data.isObject()) {
            throw new PoisonEventException(type + " " + id + ": the data is not a JSON object");
        }
        String subject = type.startsWith("agent.") ? "agentId" : "chatId";
        if (!data.path(subject).isTextual() || data.path(subject).asText().isBlank()) {
            throw new PoisonEventException(type + " " + id + ": no " + subject);
        }
        EventShapes.check(type, id, data);
        return data;
    }

    static boolean known(String type, String source) {
        return switch (type) {
            case "chat.requested", "chat.offer.accepted", "chat.closed", "agent.presence.requested", "agent.connected" -> true;
            case "chat.offer.declined", "chat.transfer.requested", "chat.offer.delivered" -> SESSION.equals(source);
            default -> false;
        };
    }

    private void dispatch(String type, String id, JsonNode data) {
        switch (type) {
            case "chat.requested" -> router.onChatRequested(id, data);
            case "chat.offer.accepted" -> router.onOfferAccepted(id, data);
            case "chat.offer.declined" -> router.onOfferDeclined(id, data);
            case "chat.offer.delivered" -> router.onOfferDelivered(id, data);
            case "chat.closed" -> router.onChatClosed(id, data);
            case "agent.presence.requested" -> router.onPresenceRequested(id, data);
            case "agent.connected" -> router.onAgentConnected(id, data);
            case "chat.transfer.requested" -> router.onTransferRequested(id, data);
            default -> {
            }
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
