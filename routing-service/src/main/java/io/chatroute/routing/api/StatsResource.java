package io.chatroute.routing.api;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import io.chatroute.routing.domain.LiveStats;
import io.chatroute.routing.domain.Staffing;
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
    private final LiveStatsReader reader;

    public StatsResource(LiveStatsReader reader) {
        this.reader = reader;
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
        return reader.read();
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
