package io.chatroute.knowledge.api;

import java.time.Instant;

import io.chatroute.knowledge.domain.CannedResponse;

public record CannedView(String id, String shortcut, String text, String language, Instant updatedAt) {
    static CannedView of(CannedResponse c) {
        return new CannedView(c.id(), c.shortcut(), c.text(), c.language() == null ? null : c.language().code(), c.updatedAt());
    }
}
