package io.chatroute.session.api;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;

/** The sockets THIS instance holds, by chat (visitors), by agent, and the dashboards. Nothing here is shared across instances. */
@ApplicationScoped
public class ConnectionRegistry {

    private static final Logger LOG = Logger.getLogger(ConnectionRegistry.class);

    private final Map<String, Set<WebSocketConnection>> visitorsByChat = new ConcurrentHashMap<>();
    private final Map<String, Set<WebSocketConnection>> agentsById = new ConcurrentHashMap<>();
    private final Set<WebSocketConnection> dashboards = ConcurrentHashMap.newKeySet();

    public void addDashboard(WebSocketConnection c) {
        dashboards.add(c);
    }

    public void removeDashboard(WebSocketConnection c) {
        dashboards.remove(c);
    }

    public Set<WebSocketConnection> dashboards() {
        return dashboards;
    }

    public void addVisitor(String chatId, WebSocketConnection c) {
        add(visitorsByChat, chatId, c);
    }

    public void addAgent(String agentId, WebSocketConnection c) {
        add(agentsById, agentId, c);
    }

    public void removeVisitor(String chatId, WebSocketConnection c) {
        remove(visitorsByChat, chatId, c);
    }

    public void removeAgent(String agentId, WebSocketConnection c) {
        remove(agentsById, agentId, c);
    }

    public Set<WebSocketConnection> visitors(String chatId) {
        return chatId == null ? Set.of() : visitorsByChat.getOrDefault(chatId, Set.of());
    }

    /** The chats with a visitor socket open on this instance. */
    public Set<String> visitorChats() {
        return Set.copyOf(visitorsByChat.keySet());
    }

    /** The agents with a socket on this instance, and how many each. */
    public Map<String, Integer> agentSocketCounts() {
        Map<String, Integer> counts = new java.util.HashMap<>();
        agentsById.forEach((agentId, sockets) -> {
            if (!sockets.isEmpty()) {
                counts.put(agentId, sockets.size());
            }
        });
        return counts;
    }

    public Set<WebSocketConnection> agents(String agentId) {
        return agentId == null ? Set.of() : agentsById.getOrDefault(agentId, Set.of());
    }

    /** Sends without blocking; a failed send is logged (the client resumes with seq). */
    public static void send(WebSocketConnection c, String frame) {
        send(c, frame, () -> {
        });
    }

    /**
     * Sends without blocking and runs {@code written} once the frame was written to the connection; nothing when the
     * connection is closed already. A failed write is logged and runs nothing.
     */
    public static void send(WebSocketConnection c, String frame, Runnable written) {
        if (c.isOpen()) {
            c.sendText(frame).subscribe().with(ok -> written.run(),
                    err -> LOG.debugf("could not send to %s: %s", c.id(), err.toString()));
        }
    }

    /**
     * The add runs inside the map's compute, as the remove does: an add outside it could land in a set that another
     * connection's remove had just emptied and dropped from the map (a page reload: the old socket's close beside the new
     * one's open), and the new connection would then get no live frame.
     */
    private static void add(Map<String, Set<WebSocketConnection>> map, String key, WebSocketConnection c) {
        map.compute(key, (k, set) -> {
            Set<WebSocketConnection> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(c);
            return s;
        });
    }

    private static void remove(Map<String, Set<WebSocketConnection>> map, String key, WebSocketConnection c) {
        if (key == null) {
            return;
        }
        map.computeIfPresent(key, (k, set) -> {
            set.remove(c);
            return set.isEmpty() ? null : set;
        });
    }
}
