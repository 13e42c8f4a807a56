package io.chatroute.routing.domain;

/** One validation problem: the offending field (a JSON path such as {@code fields[0].type}) and why. */
public record FieldError(String field, String message) {
}
