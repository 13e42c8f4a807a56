package io.chatroute.session.api;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/** Every error as problem+json; never a stack trace. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response chat(ChatException e) {
        Response r = Problem.response(e.status(), e.code(), e.getMessage(), e.errors());
        return e.retryAfterSeconds() > 0 ? Response.fromResponse(r).header("Retry-After", Long.toString(e.retryAfterSeconds())).build() : r;
    }

    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce((a, b) -> a + "." + b).orElse("body");
        return Problem.response(400, "validation", "the request body does not fit",
                java.util.List.of(new io.chatroute.session.domain.FieldError(field, "has the wrong type")));
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return Problem.response(400, "malformed-json", "the request body is not valid JSON", null);
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return Problem.response(401, "unauthorized", "a valid bearer token is required", null);
    }

    @ServerExceptionMapper
    public Response authFailed(AuthenticationFailedException e) {
        return Problem.response(401, "unauthorized", "a valid bearer token is required", null);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Problem.response(403, "forbidden", "this token does not give access to this resource", null);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.warnf("request failed: %s", e.toString());
        }
        return Problem.response(status, Problem.codeOf(status), status >= 500 ? "the request could not be served" : e.getMessage(), null);
    }

    @ServerExceptionMapper
    public Response other(Exception e, jakarta.ws.rs.container.ContainerRequestContext request) {
        if (Busy.retry(e, repeatable(request))) {
            // overload, not a fault: the caller retries (a chat start with its Idempotency-Key, a message with its clientMsgId)
            Busy.log(LOG, e);
            Response r = Problem.response(503, "busy", "the service is busy; retry in a moment", null);
            return Response.fromResponse(r).header("Retry-After", "1").build();
        }
        LOG.errorf("unexpected failure: %s", e.toString());
        return Problem.response(500, "internal", "the request could not be served", null);
    }

    /**
     * Whether a request may be served twice with the same effect, so that a lost connection to Redis mid-request can be
     * answered 503 (retry): reads and PUTs, a POST with an Idempotency-Key, a message (its clientMsgId is stored once)
     * and a close. A transfer or a survey may not be: 500, as before.
     */
    static boolean repeatable(jakarta.ws.rs.container.ContainerRequestContext request) {
        if (request == null) {
            return false;
        }
        String method = request.getMethod();
        if (!"POST".equals(method)) {
            return true;
        }
        String path = request.getUriInfo().getPath();
        return request.getHeaderString("Idempotency-Key") != null || path.endsWith("/messages") || path.endsWith("/close");
    }
}
