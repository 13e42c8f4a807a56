package io.chatroute.session.messaging;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * history-service: the customer's history for the offer (architecture.md, "Internal REST calls"; session-service's
 * platform token), and the figures the supervisor dashboard reads through session-service (the caller's own token is
 * passed on, so history-service decides with its own roles). Each method has its own circuit breaker.
 */
@RegisterRestClient(configKey = "history")
@Path("/api/v1")
public interface HistoryClient {

    @GET
    @Path("/customers/{customerId}/history")
    @Produces(MediaType.APPLICATION_JSON)
    // asked when the chat starts (CustomerContext); the offer never waits for it: an answer not there yet follows
    // as offer.history; a history-service that keeps not answering is not asked for a while (the breaker)
    @Timeout(3000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response history(@HeaderParam("Authorization") String authorization, @PathParam("customerId") String customerId,
                     @QueryParam("limit") int limit);

    /** Today's figures so far (00:00 UTC until now), in total and per group. */
    @GET
    @Path("/metrics/today")
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(3000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response metricsToday(@HeaderParam("Authorization") String authorization, @QueryParam("groupBy") String groupBy);

    /** The figures of the chats started in [from, to). */
    @GET
    @Path("/metrics")
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(3000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response metrics(@HeaderParam("Authorization") String authorization, @QueryParam("from") String from,
                     @QueryParam("to") String to, @QueryParam("groupBy") String groupBy);

    /** Chats per tag per day or week. */
    @GET
    @Path("/tags/stats")
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(3000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response tagStats(@HeaderParam("Authorization") String authorization, @QueryParam("from") String from,
                      @QueryParam("to") String to, @QueryParam("interval") String interval);
}
