package io.chatroute.session.domain;

/** One validation failure: the JSON path of the field and a human-readable reason. */
public record FieldError(String field, String message) {
}
