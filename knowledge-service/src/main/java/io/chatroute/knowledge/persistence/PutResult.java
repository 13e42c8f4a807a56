package io.chatroute.knowledge.persistence;

/** The state after a PUT, and whether it created the resource (201) or replaced it (200). */
public record PutResult<T>(T value, boolean created) {
}
