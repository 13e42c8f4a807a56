package io.chatroute.knowledge.api;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Body of PUT /api/v1/kb/canned/{id}; {@code language} may be omitted (any language). */
public record CannedRequest(
        @NotNull @Pattern(regexp = "/[^\\s/]{1,49}", message = "must be '/' followed by 1 to 49 characters without spaces or '/'")
        @NoControlCharacters String shortcut,
        @NotBlank @Size(max = 4000) @NoControlCharacters(multiline = true) String text,
        @Pattern(regexp = "en|ru|zh|he", message = "must be one of en, ru, zh, he") String language) {
}
