package io.chatroute.routing.api;

import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.LiveStats;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.Staffing;
import io.chatroute.routing.persistence.AgentRecord;
import io.chatroute.routing.persistence.RoutingStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** Live figures of every queue and agent, and the staffing forecast (supervisor, admin, platform). Changes nothing. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class StatsResource {
    private final RoutingStore store;

    public StatsResource(RoutingStore store) {
        this.store = store;
    }

    /** The body of {@code GET /api/v1/stats/live} (the contract also makes it the dashboard socket's {@code stats} frame). */
    public record LiveView(Instant at, LocalDate day, List<LiveStats.QueueView> queues, List<AgentLive> agents) {
    }

    /** One agent now; {@code idleSeconds} as defined by {@link LiveStats#idleSeconds}. */
    public record AgentLive(String agentId, String displayName, String presence, int activeChats, int maxConcurrentChats, long idleSeconds,
                            Instant statusSince) {
    }

    public record StaffingRow(int agents, long servers, double predictedServiceLevel, double averageWaitSeconds,
                              double probabilityOfWaiting, double occupancy, boolean meetsTarget) {
    }

    public record StaffingView(int agents, long servers, double trafficErlangs, double predictedServiceLevel, double averageWaitSeconds,
                               double probabilityOfWaiting, double occupancy, String model, Staffing.Inputs inputs, List<StaffingRow> table) {
    }

    @GET
    @Path("/stats/live")
    @RolesAllowed({"supervisor", "admin", "platform"})
    public LiveView live() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        LocalDate day = RoutingStore.utcDay(now);
        Map<String, QueueDefinition> queues = store.queues();
        RoutingStore.LiveSnapshot snap = store.live(queues.keySet(), day);
        List<AgentSnapshot> agents = snap.agents().stream().map(AgentRecord::snapshot).toList();
        List<LiveStats.QueueView> queueViews = new ArrayList<>(queues.size());
        for (QueueDefinition q : queues.values()) { // sorted by id
            boolean open = q.businessHours() == null || q.businessHours().isOpen(now);
            queueViews.add(LiveStats.queue(q, open, snap.queues().getOrDefault(q.id(), LiveStats.QueueState.EMPTY), agents,
                    now.toEpochMilli()));
        }
        List<AgentLive> agentViews = snap.agents().stream().map(a -> new AgentLive(a.id(), a.profile().displayName(), a.status().name(),
                a.active(), a.max(), LiveStats.idleSeconds(a.status(), a.active(), a.statusSince(), a.lastAssignedAt(), a.idleSince(),
                        now.toEpochMilli()), a.statusSince() == 0 ? null : Instant.ofEpochMilli(a.statusSince()))).toList();
        return new LiveView(now, day, queueViews, agentViews);
    }

    @GET
    @Path("/forecast/staffing")
    @RolesAllowed({"supervisor", "admin", "platform"})
    public StaffingView staffing(@QueryParam("chatsPerHour") String chatsPerHour, @QueryParam("avgHandleSeconds") String avgHandleSeconds,
                                 @QueryParam("concurrency") String concurrency, @QueryParam("serviceLevel") String serviceLevel,
                                 @QueryParam("withinSeconds") String withinSeconds) {
        Staffing.Inputs in = Staffing.parse(chatsPerHour, avgHandleSeconds, concurrency, serviceLevel, withinSeconds);
        Staffing.Forecast f = Staffing.forecast(in);
        Staffing.Row a = f.answer();
        List<StaffingRow> table = f.table().stream().map(r -> new StaffingRow(r.agents(), r.servers(), round(r.predictedServiceLevel(), 4),
                round(r.averageWaitSeconds(), 2), round(r.probabilityOfWaiting(), 4), round(r.occupancy(), 4),
                r.predictedServiceLevel() >= in.serviceLevel())).toList();
        return new StaffingView(a.agents(), a.servers(), round(f.trafficErlangs(), 4), round(a.predictedServiceLevel(), 4),
                round(a.averageWaitSeconds(), 2), round(a.probabilityOfWaiting(), 4), round(a.occupancy(), 4),
                "erlang-c (an agent with concurrency c counts as c servers)", in, table);
    }

    private static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }
}
