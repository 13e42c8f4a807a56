package io.chatroute.knowledge.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Body of PUT /api/v1/kb/articles/{id}. */
public record ArticleRequest(
        @NotBlank @Size(max = 200) @NoControlCharacters String title,
        @NotBlank @Size(max = 20000) @NoControlCharacters(multiline = true) String body,
        @NotNull @Pattern(regexp = "en|ru|zh|he", message = "must be one of en, ru, zh, he") String language,
        @Size(max = 20) List<@NotBlank @Size(max = 50) @NoControlCharacters String> tags,
        @JsonProperty("public") Boolean publicArticle,
        @Size(max = 50) List<@NotBlank @Size(max = 300) @NoControlCharacters String> questions,
        @Size(max = 50) List<@NotBlank @Size(max = 100) @NoControlCharacters String> synonyms) {
}
