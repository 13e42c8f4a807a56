package io.chatroute.history.api;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.chatroute.history.domain.InvalidInputException;
import io.chatroute.history.domain.TranscriptQuery;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/** Every error leaves as problem+json; nothing leaks a stack trace. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return e.problem().toResponse();
    }

    @ServerExceptionMapper
    public Response invalidQuery(TranscriptQuery.InvalidQueryException e) {
        return Problem.validation("The query parameters are not valid.",
                e.errors().stream().map(f -> new Problem.FieldError(f.field(), f.message())).toList()).toResponse();
    }

    @ServerExceptionMapper
    public Response invalidInput(InvalidInputException e) {
        return Problem.validation("The request is not valid.",
                e.errors().stream().map(f -> new Problem.FieldError(f.field(), f.message())).toList()).toResponse();
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e) {
        return Response.fromResponse(Problem.of("unauthorized", "Unauthorized", 401,
                        "A valid bearer token is required.").toResponse())
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Problem.of("forbidden", "Forbidden", 403,
                "The token's roles do not allow this request.").toResponse();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status == 400 && causedByJson(e)) {
            // the parser's message may quote the body: not repeated
            return Problem.of("malformed-json", "Bad Request", 400, "The request body is not valid JSON.").toResponse();
        }
        Response.Status.Family family = Response.Status.Family.familyOf(status);
        String title = Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "No such resource.";
            case 405 -> "This method is not allowed here.";
            case 406 -> "The requested media type is not available.";
            case 415 -> "Unsupported media type.";
            default -> family == Response.Status.Family.CLIENT_ERROR ? "The request could not be processed."
                    : "The server could not complete the request.";
        };
        return Problem.of(Problem.codeOf(status), title, status, detail).toResponse();
    }

    private static boolean causedByJson(Throwable e) {
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof JsonProcessingException) {
                return true;
            }
        }
        return false;
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("unexpected error", e);
        return Problem.of("internal", "Internal Server Error", 500,
                "The server could not complete the request.").toResponse();
    }
}
