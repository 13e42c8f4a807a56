package io.chatroute.session.messaging;

import java.util.Map;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.smallrye.mutiny.Uni;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * routing-service's form evaluation, form availability and an agent's state (architecture.md, "Internal REST call").
 */
@RegisterRestClient(configKey = "routing")
@Path("/api/v1")
public interface RoutingClient {

    @POST
    @Path("/routing/evaluate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(1500)
    // opens on an unreachable or hung routing-service (not on an answer, even a 4xx/5xx one): while open, chat
    // starts are accepted without asking and routed when routing-service consumes chat.requested
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 2000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response evaluate(@HeaderParam("Authorization") String authorization, Map<String, Object> body);

    /** The form and the hours of the queues it can reach (the widget's configuration); answers are cached by WidgetConfigs. */
    @GET
    @Path("/forms/{formId}/availability")
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(1500)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 2000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response availability(@HeaderParam("Authorization") String authorization, @PathParam("formId") String formId);

    /**
     * An agent's profile, presence and load, asked (without blocking) when one of its sockets opens, so the desktop
     * learns its current presence at once (CurrentPresence). Asked again once after a timeout or no answer (the first
     * call of a freshly started instance on a busy machine can take longer); never after an answer such as 404.
     */
    @GET
    @Path("/agents/{agentId}")
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(3000)
    @Retry(maxRetries = 1, delay = 200, abortOn = WebApplicationException.class)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 2000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Uni<Response> agent(@HeaderParam("Authorization") String authorization, @PathParam("agentId") String agentId);
}
