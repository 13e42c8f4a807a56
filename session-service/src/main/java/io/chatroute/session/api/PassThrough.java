package io.chatroute.session.api;

import java.util.function.Supplier;

import org.jboss.logging.Logger;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Relays another service's answer to a page of session-service (which talks to its own origin only): 2xx and 4xx
 * answers (problem bodies included) come back as they are with {@code Cache-Control: private, no-store}; no answer
 * (unreachable, 5xx, a timeout, the breaker open) and a 401 (the other service refused a token session-service
 * accepted: a key mismatch between the two, a fault of the deployment, not of the caller) are a 503
 * {@code <service>-unavailable} with {@code Retry-After: 5}.
 */
final class PassThrough {

    private static final Logger LOG = Logger.getLogger(PassThrough.class);

    private PassThrough() {
    }

    /** {@code service}: "knowledge" or "history" (the problem type {@code <service>-unavailable}). */
    static Response relay(String service, String what, Supplier<Response> call) {
        Response response;
        try {
            response = call.get();
        } catch (WebApplicationException e) {
            response = e.getResponse();
        } catch (Exception e) {
            LOG.warnf("%s-service unreachable for %s (%s)", service, what, e.toString());
            return unavailable(service);
        }
        try (Response r = response) {
            int status = r.getStatus();
            if (status >= 500 || status == 401) {
                LOG.warnf("%s-service answered %d for %s", service, status, what);
                return unavailable(service);
            }
            String body = r.hasEntity() ? r.readEntity(String.class) : "";
            String type = r.getMediaType() == null ? MediaType.APPLICATION_JSON : r.getMediaType().toString();
            return Response.status(status).entity(body).type(type).header("Cache-Control", "private, no-store").build();
        }
    }

    static Response unavailable(String service) {
        String detail = "knowledge".equals(service)
                ? "the knowledge base cannot be reached right now; try again in a moment"
                : "the " + service + " service cannot be reached right now; try again in a moment";
        return Response.fromResponse(Problem.response(503, service + "-unavailable", detail, null))
                .header("Retry-After", "5").build();
    }
}
