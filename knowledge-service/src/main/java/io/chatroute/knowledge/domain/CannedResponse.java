package io.chatroute.knowledge.domain;

import java.time.Instant;
import java.util.Objects;

/** A ready-made answer an agent inserts by typing its shortcut (e.g. "/refund"). Language may be null (any). */
public record CannedResponse(String id, String shortcut, String text, Language language, Instant updatedAt) {
    public CannedResponse {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(shortcut, "shortcut");
        Objects.requireNonNull(text, "text");
    }
}
