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
import io.smallrye.mutiny.Uni;
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
     * Records arrive in batches (one per poll; {@code batch=true}), on the event loop: most chat-events (messages) are
     * not routing's and cost no hand-over at all. The records routing handles are grouped by key (the chat or the
     * agent): each key's records are applied one by one in order, different keys at the same time (at most
     * {@code handler-threads} keys), so a batch costs about as many Redis round trips as its busiest chat instead of
     * the sum over all of them. A chat's start, an offer's accept, decline and delivery and a chat's close
     * ({@code chat.requested}, {@code chat.offer.accepted}, {@code .declined}, {@code .delivered}, {@code chat.closed})
     * are applied without blocking (Redis answers on the event loop); presence and transfers run on the
     * {@code handler-threads} pool. The batch is acknowledged when every record was applied; the next batch of
     * the partitions starts after it, so a chat's order holds across batches too.
     */
    @Incoming("chat-events-in")
    public Uni<Void> onChatEvents(ConsumerRecords<String, String> records) {
        return handleBatch("chat-events-in", records);
    }

    @Incoming("agent-events-in")
    public Uni<Void> onAgentEvents(ConsumerRecords<String, String> records) {
        return handleBatch("agent-events-in", records);
    }

    Uni<Void> handleBatch(String channel, Iterable<ConsumerRecord<String, String>> records) {
        return handlers.applyAsync(records, ConsumerRecord::key, r -> {
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
    Uni<Void> handle(String channel, ConsumerRecord<String, String> record) {
        String type = header(record, "ce_type");
        String id = header(record, "ce_id");
        String source = header(record, "ce_source");
        if (type == null || !known(type, source)) {
            return Uni.createFrom().voidItem();
        }
        return retry.runAsync(channel, type + " " + id, () -> {
            JsonNode data;
            try {
                data = parse(type, id, record.value());
            } catch (PoisonEventException poison) {
                return park(channel, record, poison);
            }
            Uni<Void> applied = switch (type) {
                case "chat.requested" -> router.onChatRequestedAsync(id, data);
                case "chat.offer.accepted" -> router.onOfferAcceptedAsync(id, data);
                case "chat.offer.declined" -> router.onOfferDeclinedAsync(id, data);
                case "chat.offer.delivered" -> router.onOfferDeliveredAsync(id, data);
                case "chat.closed" -> router.onChatClosedAsync(id, data);
                default -> handlers.blocking(() -> dispatch(type, id, data));
            };
            return applied.onFailure(PoisonEventException.class).recoverWithUni(poison -> park(channel, record, (PoisonEventException) poison));
        });
    }

    /** Writing the dead letter waits for the broker's ack: on the pool. */
    private Uni<Void> park(String channel, ConsumerRecord<String, String> record, PoisonEventException poison) {
        return handlers.blocking(() -> deadLetters.park(channel, record, poison));
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
