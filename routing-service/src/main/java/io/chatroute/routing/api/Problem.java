package io.chatroute.routing.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.chatroute.routing.domain.FieldError;
import jakarta.ws.rs.core.Response;

/** RFC 9457 problem details. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {
    public static final String MEDIA_TYPE = "application/problem+json";

    public static Response response(int status, String title, String detail, List<FieldError> errors) {
        Problem p = new Problem("about:blank", title, status, detail, errors == null || errors.isEmpty() ? null : errors);
        return Response.status(status).type(MEDIA_TYPE).entity(p).build();
    }

    public static Response badRequest(String detail, List<FieldError> errors) {
        return response(400, "Bad Request", detail, errors);
    }
}
