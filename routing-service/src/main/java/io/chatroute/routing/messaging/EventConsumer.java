package io.chatroute.routing.messaging;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads {@code chat-events} and {@code agent-events} (CloudEvents binary mode: {@code ce_*} headers, JSON value) and
 * hands the types routing knows to {@link Router}; every handler is idempotent on {@code ce_id}.
 */
@ApplicationScoped
public class EventConsumer {
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);
    private static final String SESSION = "/session-service";
    private static final int ATTEMPTS = 3;

    private final Router router;
    private final ObjectMapper json;

    public EventConsumer(Router router, ObjectMapper json) {
        this.router = router;
        this.json = json;
    }

    @Incoming("chat-events-in")
    @Blocking
    public void onChatEvent(ConsumerRecord<String, String> record) {
        handle(record);
    }

    @Incoming("agent-events-in")
    @Blocking
    public void onAgentEvent(ConsumerRecord<String, String> record) {
        handle(record);
    }

    void handle(ConsumerRecord<String, String> record) {
        String type = header(record, "ce_type");
        String id = header(record, "ce_id");
        String source = header(record, "ce_source");
        if (type == null || id == null || !known(type, source)) {
            return;
        }
        JsonNode data;
        try {
            data = json.readTree(record.value());
        } catch (Exception e) {
            throw new IllegalArgumentException(type + " " + id + ": the data is not JSON (sent to the dead-letter topic)", e);
        }
        if (data == null || !data.isObject()) {
            throw new IllegalArgumentException(type + " " + id + ": the data is not a JSON object (sent to the dead-letter topic)");
        }
        for (int attempt = 1; ; attempt++) {
            try {
                dispatch(type, id, data);
                return;
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS) {
                    // nacked: the channel's dead-letter-queue strategy keeps the record for replay, nothing is lost
                    LOG.errorf(e, "giving up on %s %s after %d attempts", type, id, attempt);
                    throw e;
                }
                LOG.warnf("handling %s %s failed (attempt %d): %s", type, id, attempt, e.toString());
            }
        }
    }

    static boolean known(String type, String source) {
        return switch (type) {
            case "chat.requested", "chat.offer.accepted", "chat.closed", "agent.presence.requested" -> true;
            case "chat.offer.declined" -> SESSION.equals(source);
            default -> false;
        };
    }

    private void dispatch(String type, String id, JsonNode data) {
        switch (type) {
            case "chat.requested" -> router.onChatRequested(id, data);
            case "chat.offer.accepted" -> router.onOfferAccepted(id, data);
            case "chat.offer.declined" -> router.onOfferDeclined(id, data);
            case "chat.closed" -> router.onChatClosed(id, data);
            case "agent.presence.requested" -> router.onPresenceRequested(id, data);
            default -> {
            }
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
