package io.chatroute.session.api;

import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * routing-service's {@code stats.updated} as dashboard frames: {@code stats} (the body of
 * {@code GET /api/v1/stats/live} plus {@code alerts}, the alerts in force) to every supervisor socket, and
 * {@code alert {queueId, kind, detail}} when a queue starts breaking its target (each alert once, until it clears and
 * comes back). A new socket gets the latest view at once.
 */
@ApplicationScoped
public class DashboardFeed {

    private final ConnectionRegistry registry;
    private final ObjectMapper mapper;
    private volatile String latest;
    private Set<String> active = new HashSet<>();

    public DashboardFeed(ConnectionRegistry registry, ObjectMapper mapper) {
        this.registry = registry;
        this.mapper = mapper;
    }

    public synchronized void update(JsonNode d) {
        ObjectNode stats = mapper.createObjectNode();
        stats.put("type", "stats");
        stats.set("at", d.get("at"));
        stats.set("day", d.get("day"));
        stats.set("queues", d.path("queues"));
        stats.set("agents", d.path("agents"));
        // an addition: the alerts in force now, so a page that opens later (or missed an alert frame) shows them and
        // sees them clear
        stats.set("alerts", d.path("alerts").isArray() ? d.get("alerts") : mapper.createArrayNode());
        latest = stats.toString();
        registry.dashboards().forEach(c -> ConnectionRegistry.send(c, latest));
        Set<String> now = new HashSet<>();
        for (JsonNode a : d.path("alerts")) {
            String key = a.path("queueId").asText() + '\u0000' + a.path("kind").asText();
            now.add(key);
            if (!active.contains(key)) {
                ObjectNode alert = mapper.createObjectNode();
                alert.put("type", "alert");
                alert.set("queueId", a.get("queueId"));
                alert.set("kind", a.get("kind"));
                alert.set("detail", a.get("detail"));
                String text = alert.toString();
                registry.dashboards().forEach(c -> ConnectionRegistry.send(c, text));
            }
        }
        active = now;
    }

    /** The latest {@code stats} frame, or null before the first one arrived. */
    public String latest() {
        return latest;
    }
}
