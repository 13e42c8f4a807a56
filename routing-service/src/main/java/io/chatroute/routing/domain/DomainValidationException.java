package io.chatroute.routing.domain;

import java.util.List;

/** Input that does not fit the rules of the domain; carries every field error found. */
public class DomainValidationException extends RuntimeException {
    private final List<FieldError> errors;

    public DomainValidationException(String message, List<FieldError> errors) {
        super(message);
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }

    public static void throwIfAny(String message, List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw new DomainValidationException(message, errors);
        }
    }
}
