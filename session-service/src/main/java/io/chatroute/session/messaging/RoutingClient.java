package io.chatroute.session.messaging;

import java.util.Map;

import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ProcessingException;
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
    @Timeout(5000)
    @Retry(maxRetries = 1, delay = 200, retryOn = ProcessingException.class)
    Response evaluate(@HeaderParam("Authorization") String authorization, Map<String, Object> body);
}
