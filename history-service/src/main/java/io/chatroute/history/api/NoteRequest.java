package io.chatroute.history.api;

/** The body of {@code POST /api/v1/customers/{customerId}/notes} (documentation only: the body is read as JSON). */
public record NoteRequest(String text) {
}
