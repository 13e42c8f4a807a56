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
 * knowledge-service's canned responses and articles, read for the agent desktop (which talks to session-service
 * only). The caller's own token is passed on, so knowledge-service decides with its own roles.
 */
@RegisterRestClient(configKey = "knowledge")
@Path("/api/v1/kb")
public interface KnowledgeClient {

    @GET
    @Path("/canned")
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(2000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response canned(@HeaderParam("Authorization") String authorization, @QueryParam("prefix") String prefix,
                    @QueryParam("language") String language);

    @GET
    @Path("/articles/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Timeout(2000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1,
            skipOn = WebApplicationException.class)
    Response article(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);
}
