package io.chatroute.history.domain;

import java.time.Instant;

/** A note about a customer, written by an agent, supervisor or admin ({@code author}: their JWT subject). */
public record CustomerNote(String noteId, String customerId, String text, String author, Instant createdAt) {
}
