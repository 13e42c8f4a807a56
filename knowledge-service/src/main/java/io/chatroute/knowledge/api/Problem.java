package io.chatroute.knowledge.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** RFC 9457 problem details; {@code errors} lists field errors of a validation problem. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public record FieldError(String field, String message) {
    }

    public static Problem of(int status, String title, String detail) {
        return new Problem(typeOf(status), title, status, detail, null);
    }

    public static Problem validation(List<FieldError> errors) {
        return new Problem("https://chatroute.dev/problems/validation", "Invalid request", 400,
                "The request has invalid fields", errors);
    }

    /**
     * The problem {@code type} of a status: one scheme across the four services (the contract),
     * {@code https://chatroute.dev/problems/<code>}; a service uses a more specific code where it has one.
     */
    public static String typeOf(int status) {
        return "https://chatroute.dev/problems/" + codeOf(status);
    }

    /** The code of a status in the problem {@code type} scheme ({@link #typeOf}). */
    public static String codeOf(int status) {
        return switch (status) {
            case 400 -> "bad-request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 409 -> "conflict";
            case 413 -> "payload-too-large";
            case 414 -> "uri-too-long";
            case 415 -> "unsupported-media-type";
            case 422 -> "unprocessable";
            case 429 -> "rate-limited";
            case 500 -> "internal";
            case 502 -> "bad-gateway";
            case 503 -> "unavailable";
            case 504 -> "gateway-timeout";
            default -> "http-" + status;
        };
    }
}
