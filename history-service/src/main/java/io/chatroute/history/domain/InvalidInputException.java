package io.chatroute.history.domain;

import java.util.List;

/** Input that does not fit, with every field found wrong (the API answers 400 with one error per field). */
public final class InvalidInputException extends RuntimeException {

    /** A field and what is wrong with it. */
    public record FieldError(String field, String message) {
    }

    private final transient List<FieldError> errors;

    public InvalidInputException(List<FieldError> errors) {
        super("invalid input: " + errors, null, false, false);
        this.errors = List.copyOf(errors);
    }

    public static InvalidInputException of(String field, String message) {
        return new InvalidInputException(List.of(new FieldError(field, message)));
    }

    public List<FieldError> errors() {
        return errors;
    }
}
