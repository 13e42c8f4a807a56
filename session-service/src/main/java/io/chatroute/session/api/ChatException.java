package io.chatroute.session.api;

import java.util.List;

import io.chatroute.session.domain.FieldError;

/** A refusal with its HTTP status, a stable code (used in socket error frames) and optional field errors. */
public class ChatException extends RuntimeException {

    private final int status;
    private final String code;
    private final List<FieldError> errors;

    public ChatException(int status, String code, String detail) {
        this(status, code, detail, List.of());
    }

    public ChatException(int status, String code, String detail, List<FieldError> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.errors = errors;
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
