package io.chatroute.session.api;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.messaging.RoutingClient;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

/**
 * An addition: when an agent socket opens, the desktop is told the agent's current presence and load, so a fresh
 * sign-in does not show Offline until routing-service happens to change something. One non-blocking
 * {@code GET /api/v1/agents/{id}} to routing-service (session-service's platform token; 3 s at most, asked again
 * once after no answer, a circuit breaker) per socket opened; the answer becomes {@code presence {status, reason:"current"}} and
 * {@code capacity {active, max}}. A live {@code presence} (or {@code capacity}) frame that reached this connection
 * first is newer than or as new as the answer, so the answer's frame is then left out. No answer, an unknown agent
 * (404) or no token: nothing is sent (the desktop shows what the next change tells it).
 */
@ApplicationScoped
public class CurrentPresence {

    private static final Logger LOG = Logger.getLogger(CurrentPresence.class);
    /** Set on a connection once a live presence frame was sent on it. */
    static final UserData.TypedKey<Boolean> PRESENCE_TOLD = UserData.TypedKey.forBoolean("presenceTold");
    /** Set on a connection once a live capacity frame was sent on it. */
    static final UserData.TypedKey<Boolean> CAPACITY_TOLD = UserData.TypedKey.forBoolean("capacityTold");

    private final RoutingClient routing;
    private final SessionConfig config;
    private final ObjectMapper mapper;

    public CurrentPresence(@RestClient RoutingClient routing, SessionConfig config, ObjectMapper mapper) {
        this.routing = routing;
        this.config = config;
        this.mapper = mapper;
    }

    /**
     * Sends a live {@code presence} or {@code capacity} frame (from routing's events) and marks the connection, so an
     * answer of routing-service still under way is not sent after it. Under the connection's lock, as {@link #send}.
     */
    public static void sendLive(WebSocketConnection c, String frameType, String text) {
        synchronized (c.userData()) {
            c.userData().put("presence".equals(frameType) ? PRESENCE_TOLD : CAPACITY_TOLD, Boolean.TRUE);
            ConnectionRegistry.send(c, text);
        }
    }

    /** Asks routing-service and tells the connection; returns at once. */
    public void tell(WebSocketConnection connection, String agentId) {
        if (config.routing().token().isEmpty()) {
            return;
        }
        try {
            routing.agent("Bearer " + config.routing().token().get(), agentId).subscribe().with(r -> {
                try (r) {
                    if (r.getStatus() == 200) {
                        send(connection, mapper.readTree(r.readEntity(String.class)));
                    }
                } catch (Exception e) {
                    LOG.debugf("agent %s: routing-service's answer could not be read (%s)", agentId, e.toString());
                }
            }, failure -> {
                if (!(failure instanceof WebApplicationException)) {
                    LOG.debugf("agent %s: no current presence from routing-service (%s)", agentId, failure.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.debugf("agent %s: routing-service not asked (%s)", agentId, e.toString());
        }
    }

    private void send(WebSocketConnection c, JsonNode agent) {
        if (agent == null || !c.isOpen()) {
            return;
        }
        String status = agent.path("presence").asText("");
        synchronized (c.userData()) {
            if (!told(c, PRESENCE_TOLD) && status.matches("AVAILABLE|AWAY|OFFLINE")) {
                ObjectNode f = Frames.frame(mapper, "presence");
                f.put("status", status);
                f.put("reason", "current");
                ConnectionRegistry.send(c, f.toString());
            }
            boolean load = agent.path("activeChats").isInt() && agent.path("maxConcurrentChats").isInt();
            if (!told(c, CAPACITY_TOLD) && load) {
                ObjectNode f = Frames.frame(mapper, "capacity");
                f.put("active", agent.get("activeChats").asInt());
                f.put("max", agent.get("maxConcurrentChats").asInt());
                ConnectionRegistry.send(c, f.toString());
            }
        }
    }

    private static boolean told(WebSocketConnection c, UserData.TypedKey<Boolean> key) {
        return Boolean.TRUE.equals(c.userData().get(key));
    }
}
