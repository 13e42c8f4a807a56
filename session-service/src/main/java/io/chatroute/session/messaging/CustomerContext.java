package io.chatroute.session.messaging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.config.SessionConfig;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

/**
 * What the agent should know before accepting, so nobody asks twice: the customer's earlier chats and the notes
 * about them, from history-service (answers cached briefly). The look-up starts when the chat starts
 * ({@link #prefetch}), so it is usually answered by the time the chat is offered; the offer never waits for it: an
 * answer not there yet follows as its own frame {@code offer.history} ({@code historyStatus: "pending"} in the
 * offer). Waiting would hold the delivery consumer's thread, and with it the batch and every later message of the
 * same partitions, for as long as history-service takes. Never fails: when history-service cannot answer, the lists
 * are empty and {@code historyStatus} is {@code unavailable}.
 */
@ApplicationScoped
public class CustomerContext {

    private static final Logger LOG = Logger.getLogger(CustomerContext.class);
    private static final int CACHE_MAX = 10_000;

    private record Cached(long until, JsonNode body) {
    }

    private volatile long lastWarning;
    private final HistoryClient client;
    private final SessionConfig config;
    private final ObjectMapper mapper;
    private final Map<String, Cached> cache = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > CACHE_MAX;
        }
    };

    /** Look-ups under way, one per customer: a prefetch and the offer that follows share it. */
    private final Map<String, CompletableFuture<JsonNode>> inFlight = new ConcurrentHashMap<>();

    public CustomerContext(@RestClient HistoryClient client, SessionConfig config, ObjectMapper mapper) {
        this.client = client;
        this.config = config;
        this.mapper = mapper;
    }

    /** Starts looking the customer up (on a worker thread) when their chat starts, ahead of its offer. */
    public void prefetch(String customerId) {
        if (customerId != null && !customerId.isBlank()) {
            lookup(customerId);
        }
    }

    /**
     * Sets {@code history} (earlier chats, newest first, without {@code chatId}), {@code notes} and
     * {@code historyStatus} on the offer; when history-service is slower than {@link #OFFER_WAIT_MILLIS} the offer
     * says {@code pending} and the returned future completes with an {@code offer.history} frame carrying the same
     * three fields, to send after the offer (null when there is nothing to follow).
     */
    public CompletableFuture<String> addTo(ObjectNode offer, String customerId, String chatId) {
        if (customerId == null || customerId.isBlank()) {
            fill(offer, null, chatId, "anonymous"); // no customer id from the widget or the platform: nothing to look up
            return null;
        }
        CompletableFuture<JsonNode> answer = lookup(customerId);
        if (answer.isDone()) {
            JsonNode body = answer.getNow(null);
            fill(offer, body, chatId, body == null ? "unavailable" : "ok");
            return null;
        }
        fill(offer, null, chatId, "pending");
        return answer.thenApply(body -> {
            ObjectNode f = mapper.createObjectNode();
            f.put("type", "offer.history");
            f.put("chatId", chatId);
            fill(f, body, chatId, body == null ? "unavailable" : "ok");
            return f.toString();
        });
    }

    /** The cached answer, the look-up under way, or a new one on a worker thread; completes with null on failure. */
    private CompletableFuture<JsonNode> lookup(String customerId) {
        Cached c = cached(customerId);
        if (c != null) {
            return CompletableFuture.completedFuture(c.body());
        }
        if (config.history().token().isEmpty()) {
            warn("chatroute.history.token is not set");
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<JsonNode> mine = new CompletableFuture<>();
        CompletableFuture<JsonNode> earlier = inFlight.putIfAbsent(customerId, mine);
        if (earlier != null) {
            return earlier;
        }
        try {
            Infrastructure.getDefaultWorkerPool().execute(() -> {
                JsonNode body = null;
                try {
                    body = fetch(customerId);
                } finally {
                    inFlight.remove(customerId, mine);
                    mine.complete(body);
                }
            });
        } catch (RuntimeException rejected) {
            inFlight.remove(customerId, mine);
            warn("no worker thread for the look-up (" + rejected + ")");
            mine.complete(null);
        }
        return mine;
    }

    private Cached cached(String customerId) {
        synchronized (cache) {
            Cached c = cache.get(customerId);
            return c != null && c.until() > System.currentTimeMillis() ? c : null;
        }
    }

    private void fill(ObjectNode frame, JsonNode body, String chatId, String status) {
        ArrayNode history = mapper.createArrayNode();
        ArrayNode notes = mapper.createArrayNode();
        if (body != null) {
            for (JsonNode c : body.path("chats")) {
                if (!chatId.equals(c.path("chatId").asText())) {
                    history.add(c);
                }
            }
            body.path("notes").forEach(notes::add);
        }
        frame.set("history", history);
        frame.set("notes", notes);
        frame.put("historyStatus", status);
    }

    /** At most one warning a minute: offers go on without history, the log does not fill up. */
    private void warn(String why) {
        long now = System.currentTimeMillis();
        if (now - lastWarning > 60_000) {
            lastWarning = now;
            LOG.warnf("offers go out without the customer's history: %s", why);
        } else {
            LOG.debugf("offer without the customer's history: %s", why);
        }
    }

    private JsonNode fetch(String customerId) {
        long now = System.currentTimeMillis();
        Cached c = cached(customerId);
        if (c != null) {
            return c.body();
        }
        try (Response r = client.history("Bearer " + config.history().token().get(), customerId, config.history().limit())) {
            if (r.getStatus() != 200) {
                warn("history-service answered " + r.getStatus());
                return null;
            }
            JsonNode body = mapper.readTree(r.readEntity(String.class));
            synchronized (cache) {
                cache.put(customerId, new Cached(now + config.history().cacheMillis(), body));
            }
            return body;
        } catch (jakarta.ws.rs.WebApplicationException e) {
            warn("history-service answered " + e.getResponse().getStatus());
            return null;
        } catch (Exception e) {
            warn("history-service unreachable (" + e + ")");
            return null;
        }
    }
}
