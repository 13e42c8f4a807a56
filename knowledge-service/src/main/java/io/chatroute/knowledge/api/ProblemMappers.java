package io.chatroute.knowledge.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.chatroute.knowledge.persistence.CannedResponseStore;
import io.chatroute.knowledge.persistence.UniqueViolation;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error as RFC 9457 problem+json; never a stack trace. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<?> v : e.getConstraintViolations()) {
            errors.add(new Problem.FieldError(field(v.getPropertyPath()), v.getMessage()));
        }
        errors.sort(Comparator.comparing(Problem.FieldError::field).thenComparing(Problem.FieldError::message));
        return respond(Problem.validation(errors));
    }

    /** "put.body.tags[0].<list element>" -> "tags[0]"; a parameter alone -> "body". */
    static String field(Path path) {
        StringBuilder field = new StringBuilder();
        String parameter = null;
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.METHOD || node.getKind() == ElementKind.CONSTRUCTOR) {
                continue;
            }
            if (node.getKind() == ElementKind.PARAMETER) {
                parameter = node.getName();
                continue;
            }
            if (node.getKind() == ElementKind.CONTAINER_ELEMENT) {
                if (node.getIndex() != null) {
                    field.append('[').append(node.getIndex()).append(']');
                }
                continue;
            }
            if (node.getName() != null) {
                if (!field.isEmpty()) {
                    field.append('.');
                }
                field.append(node.getName());
            }
            if (node.getIndex() != null) {
                field.append('[').append(node.getIndex()).append(']');
            }
        }
        if (field.isEmpty()) {
            return parameter == null ? "body" : parameter;
        }
        return field.toString();
    }

    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class, InvalidFormatException.class})
    public Response json(JsonProcessingException e) {
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder field = new StringBuilder();
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) {
                    if (!field.isEmpty()) {
                        field.append('.');
                    }
                    field.append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    field.append('[').append(r.getIndex()).append(']');
                }
            }
            return respond(Problem.validation(List.of(new Problem.FieldError(field.toString(), "has the wrong type"))));
        }
        return respond(Problem.of(400, "Bad Request", "The body is not valid JSON"));
    }

    @ServerExceptionMapper
    public Response shortcutTaken(CannedResponseStore.ShortcutTakenException e) {
        return respond(new Problem("https://chatroute.dev/problems/conflict", "Conflict", 409,
                "The shortcut is already used in that language by canned response " + e.otherId, null));
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e) {
        return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", "Bearer")
                .entity(Problem.of(401, "Unauthorized", "A valid bearer token is required")).build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(Problem.of(403, "Forbidden", "Your roles do not allow this operation"));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response r = e.getResponse();
        int status = r == null ? 500 : r.getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "Error" : type.getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "No such resource";
            case 405 -> "Method not allowed on this resource";
            case 406 -> "Cannot produce an acceptable representation";
            case 415 -> "Unsupported media type; send application/json";
            default -> status >= 500 ? "The request could not be processed" : title;
        };
        return respond(Problem.of(status, title, detail));
    }

    /**
     * A write the database's unique index refused (two PUTs taking the same shortcut at the same time, which the
     * store's own check cannot see; two creating the same new id are retried by the store as a replacement): 409,
     * nothing was written.
     */
    static Response uniqueViolation(Throwable t) {
        if (!UniqueViolation.in(t)) {
            return null;
        }
        String constraint = UniqueViolation.constraint(t);
        String detail = CannedResponseStore.SHORTCUT_INDEX.equals(constraint)
                ? "The shortcut is already used in that language by another canned response; nothing was changed"
                : "Another request wrote the same key at the same time; nothing was changed by this one, retry it";
        return respond(new Problem("https://chatroute.dev/problems/conflict", "Conflict", 409, detail, null));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable t) {
        Response conflict = uniqueViolation(t);
        if (conflict != null) {
            LOG.debugf(t, "unique key clash answered with 409");
            return conflict;
        }
        LOG.errorf(t, "unexpected error");
        return respond(Problem.of(500, "Internal Server Error", "The request could not be processed"));
    }
}
