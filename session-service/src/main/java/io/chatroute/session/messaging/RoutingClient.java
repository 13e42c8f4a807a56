package io.chatroute.session.messaging;

import java.util.Map;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** routing-service's form evaluation (architecture.md, "Internal REST call"). */
@RegisterRestClient(configKey = "routing")
@Path("/api/v1/routing")
public interface RoutingClient {

    @POST
    @Path("/evaluate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(1500)
    // opens on an unreachable or hung routing-service (not on an answer, even a 4xx/5xx one): while open, chat
    // starts are accepted without asking and routed when routing-service consumes chat.requested
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 2000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response evaluate(@HeaderParam("Authorization") String authorization, Map<String, Object> body);
}
