package io.chatroute.history.api;

import java.time.Clock;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import io.chatroute.history.domain.Metrics;
import io.chatroute.history.domain.MetricsQuery;
import io.chatroute.history.persistence.MetricsStore;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** Contact-centre metrics over the record (definitions in the README, Metrics). */
@Path("/api/v1/metrics")
@RolesAllowed({"agent", "supervisor", "admin", "platform"})
public class MetricsResource {

    private final MetricsStore store;
    private final Clock clock = Clock.systemUTC();

    public MetricsResource(MetricsStore store) {
        this.store = store;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "Chats, abandoned, wait, first response and response times, handle time (count, avg, p50, p90,"
            + " seconds), CSAT and CES averages and CSAT by the agent's concurrency (1..6), in total and per group")
    public Uni<Metrics> metrics(@Parameter(description = "required; ISO-8601 UTC time or date, inclusive (chat start)")
                                @QueryParam("from") String from,
                                @Parameter(description = "required; exclusive; at most 366 days after from")
                                @QueryParam("to") String to,
                                @Parameter(description = "queue (default), agent, day or hour (UTC)")
                                @QueryParam("groupBy") String groupBy) {
        return store.metrics(MetricsQuery.parse(from, to, groupBy));
    }

    @GET
    @Path("/today")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "The same figures for today so far: from 00:00 UTC until now (for a live dashboard)")
    public Uni<Metrics> today(@Parameter(description = "queue (default), agent, day or hour (UTC)")
                              @QueryParam("groupBy") String groupBy) {
        return store.metrics(MetricsQuery.today(clock.instant(), groupBy));
    }
}
