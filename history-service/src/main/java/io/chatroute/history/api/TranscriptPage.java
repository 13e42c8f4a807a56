package io.chatroute.history.api;

import java.util.List;

import io.chatroute.history.domain.TranscriptSummary;

/** A page of the transcript list, newest first. */
public record TranscriptPage(List<TranscriptSummary> items, int page, int size, long total) {
}
