package io.chatroute.session.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Typing indicators between instances: ephemeral, so they travel by Redis pub/sub ({@code session:signals}), not by
 * Kafka and not stored; every instance puts them on the sockets it holds (the chat's visitor, or the agents holding
 * the chat). A lost one is harmless: the next keystroke sends another. At most one forwarded per sender socket and
 * chat every 300 ms unless it switches on/off.
 */
@ApplicationScoped
public class Signals {

    static final String CHANNEL = "session:signals";
    private static final long MIN_GAP_MILLIS = 300;
    private static final int PRUNE_AT = 4096;
    private static final Logger LOG = Logger.getLogger(Signals.class);

    private record Last(long at, boolean on) {
    }

    private final ReactiveRedisDataSource redis;
    private final ConnectionRegistry registry;
    private final ChatDelivery delivery;
    private final ObjectMapper mapper;
    private final Map<String, Last> last = new ConcurrentHashMap<>();

    public Signals(ReactiveRedisDataSource redis, ConnectionRegistry registry, ChatDelivery delivery, ObjectMapper mapper) {
        this.redis = redis;
        this.registry = registry;
        this.delivery = delivery;
        this.mapper = mapper;
    }

    void start(@Observes StartupEvent event) {
        redis.pubsub(String.class).subscribe(CHANNEL, this::onSignal).subscribe().with(
                s -> LOG.debugf("subscribed to %s", CHANNEL), e -> LOG.warnf("could not subscribe to %s: %s", CHANNEL, e.toString()));
    }

    /** False when the sender's socket is over its typing rate (nothing sent). */
    boolean admit(String connectionId, String chatId, boolean on) {
        long now = System.currentTimeMillis();
        String key = connectionId + '\u0000' + chatId;
        Last prev = last.get(key);
        if (prev != null && prev.on() == on && now - prev.at() < MIN_GAP_MILLIS) {
            return false;
        }
        last.put(key, new Last(now, on));
        if (last.size() > PRUNE_AT) {
            // an entry matters for MIN_GAP_MILLIS only: a long-lived socket's chats (an agent's day) do not pile up
            last.values().removeIf(l -> now - l.at() >= MIN_GAP_MILLIS);
        }
        return true;
    }

    void forget(String connectionId) {
        last.keySet().removeIf(k -> k.startsWith(connectionId + '\u0000'));
    }

    io.smallrye.mutiny.Uni<Void> publish(String chatId, String from, boolean on) {
        ObjectNode n = mapper.createObjectNode();
        n.put("chatId", chatId);
        n.put("from", from);
        n.put("on", on);
        return redis.pubsub(String.class).publish(CHANNEL, n.toString());
    }

    private void onSignal(String message) {
        try {
            JsonNode n = mapper.readTree(message);
            String chatId = n.path("chatId").asText();
            String from = n.path("from").asText();
            ObjectNode f = Frames.frame(mapper, "typing");
            if ("visitor".equals(from)) {
                f.put("chatId", chatId);
                f.put("from", "visitor");
                f.put("on", n.path("on").asBoolean());
                String text = f.toString();
                delivery.agentSockets(chatId).forEach(c -> ConnectionRegistry.send(c, text));
            } else {
                f.put("from", "agent");
                f.put("on", n.path("on").asBoolean());
                String text = f.toString();
                registry.visitors(chatId).forEach(c -> ConnectionRegistry.send(c, text));
            }
        } catch (Exception e) {
            LOG.debugf("ignoring a malformed signal: %s", e.toString());
        }
    }
}
