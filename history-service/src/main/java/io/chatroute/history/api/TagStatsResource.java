package io.chatroute.history.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import io.chatroute.history.domain.TagStats;
import io.chatroute.history.domain.TagStatsQuery;
import io.chatroute.history.persistence.TagStore;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** How often each tag was used, per day or week. */
@Path("/api/v1/tags")
@RolesAllowed({"agent", "supervisor", "admin", "platform"})
public class TagStatsResource {

    private final TagStore store;

    public TagStatsResource(TagStore store) {
        this.store = store;
    }

    @GET
    @Path("/stats")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "Chats per tag per day or week (by the chat's start), every bucket of the range listed")
    public Uni<TagStats> stats(@Parameter(description = "required; ISO-8601 UTC time or date, inclusive") @QueryParam("from") String from,
                               @Parameter(description = "required; ISO-8601 UTC time or date, exclusive; at most 366 days after from")
                               @QueryParam("to") String to,
                               @Parameter(description = "day (default, UTC days) or week (ISO weeks from Monday 00:00 UTC)")
                               @QueryParam("interval") String interval) {
        return store.stats(TagStatsQuery.parse(from, to, interval));
    }
}
