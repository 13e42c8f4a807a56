package io.chatroute.session.api;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import io.chatroute.session.domain.Caller;
import io.chatroute.session.messaging.HistoryClient;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A pass-through to history-service for the supervisor dashboard ({@code /dashboard/}), so the page talks to its own
 * origin only: today's figures, the figures of a range, and the tag statistics, at the same paths as history-service's.
 * Supervisors and admins; the caller's token goes on unchanged and history-service decides with its own roles and
 * checks the parameters (its 400 with field errors comes back as it is). Here only their length is bounded. No answer
 * is a 503 {@code history-unavailable} with Retry-After ({@link PassThrough}). Nothing is cached: history-service
 * computes the figures at each call, and the page asks every 30 s.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class HistoryResource {

    private static final int PARAM_MAX = 40;

    private final HistoryClient history;

    public HistoryResource(@RestClient HistoryClient history) {
        this.history = history;
    }

    /** {@code GET /api/v1/metrics/today?groupBy=queue|agent|day|hour}. */
    @GET
    @Path("/metrics/today")
    @RolesAllowed({Caller.SUPERVISOR, Caller.ADMIN})
    public Response today(@HeaderParam("Authorization") String authorization, @QueryParam("groupBy") String groupBy) {
        bounded("groupBy", groupBy);
        return PassThrough.relay("history", "metrics/today", () -> history.metricsToday(authorization, groupBy));
    }

    /** {@code GET /api/v1/metrics?from=&to=&groupBy=}. */
    @GET
    @Path("/metrics")
    @RolesAllowed({Caller.SUPERVISOR, Caller.ADMIN})
    public Response metrics(@HeaderParam("Authorization") String authorization, @QueryParam("from") String from,
                            @QueryParam("to") String to, @QueryParam("groupBy") String groupBy) {
        bounded("from", from);
        bounded("to", to);
        bounded("groupBy", groupBy);
        return PassThrough.relay("history", "metrics", () -> history.metrics(authorization, from, to, groupBy));
    }

    /** {@code GET /api/v1/tags/stats?from=&to=&interval=day|week}. */
    @GET
    @Path("/tags/stats")
    @RolesAllowed({Caller.SUPERVISOR, Caller.ADMIN})
    public Response tagStats(@HeaderParam("Authorization") String authorization, @QueryParam("from") String from,
                             @QueryParam("to") String to, @QueryParam("interval") String interval) {
        bounded("from", from);
        bounded("to", to);
        bounded("interval", interval);
        return PassThrough.relay("history", "tags/stats", () -> history.tagStats(authorization, from, to, interval));
    }

    private static void bounded(String field, String value) {
        if (value != null && value.length() > PARAM_MAX) {
            throw ChatException.field(field, "must be at most " + PARAM_MAX + " characters");
        }
    }
}
