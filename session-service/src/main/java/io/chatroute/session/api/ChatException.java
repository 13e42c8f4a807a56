package io.chatroute.session.api;

import java.util.List;

import io.chatroute.session.domain.FieldError;

/** A refusal with its HTTP status, a stable code (used in socket error frames) and optional field errors. */
public class ChatException extends RuntimeException {

    private final int status;
    private final String code;
    private final List<FieldError> errors;
    private final long retryAfterSeconds;

    public ChatException(int status, String code, String detail) {
        this(status, code, detail, List.of());
    }

    public ChatException(int status, String code, String detail, List<FieldError> errors) {
        this(status, code, detail, errors, 0);
    }

    private ChatException(int status, String code, String detail, List<FieldError> errors, long retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.errors = errors;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 429: over a rate limit; {@code Retry-After} tells when to try again (at least 1 s). */
    public static ChatException rateLimited(String detail, long retryAfterMillis) {
        return new ChatException(429, "rate-limited", detail, List.of(), Math.max(1, (retryAfterMillis + 999) / 1000));
    }

    /** Seconds to wait before retrying, 0 when not said. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static ChatException validation(List<FieldError> errors) {
        return new ChatException(400, "validation", "the request does not fit", errors);
    }

    public static ChatException field(String field, String message) {
        return validation(List.of(new FieldError(field, message)));
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
