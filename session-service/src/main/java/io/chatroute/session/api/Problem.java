package io.chatroute.session.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.chatroute.session.domain.FieldError;
import jakarta.ws.rs.core.Response;

/** RFC 9457 problem details. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Response response(int status, String code, String detail, List<FieldError> errors) {
        Response.Status s = Response.Status.fromStatusCode(status);
        String title = s == null ? "Error" : s.getReasonPhrase();
        return Response.status(status).type(MEDIA_TYPE)
                .entity(new Problem("https://chatroute.dev/problems/" + code, title, status, detail, errors == null ? List.of() : errors))
                .build();
    }
}
