package io.chatroute.knowledge.domain;

/** One article found by a search; {@code snippet} is plain text (no markup). */
public record SearchHit(String articleId, String title, String snippet, double score, String language) {
}
