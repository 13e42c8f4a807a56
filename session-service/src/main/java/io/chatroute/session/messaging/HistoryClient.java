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

/** history-service's customer history, for the offer (architecture.md, "Internal REST calls"). */
@RegisterRestClient(configKey = "history")
@Path("/api/v1/customers")
public interface HistoryClient {

    @GET
    @Path("/{customerId}/history")
    @Produces(MediaType.APPLICATION_JSON)
    // the offer waits at most 300 ms for it (CustomerContext), a later answer follows as offer.history; a
    // history-service that keeps not answering is not asked for a while (the breaker)
    @Timeout(3000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response history(@HeaderParam("Authorization") String authorization, @PathParam("customerId") String customerId,
                     @QueryParam("limit") int limit);
}
