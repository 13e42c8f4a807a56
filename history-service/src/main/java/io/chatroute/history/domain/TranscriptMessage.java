package io.chatroute.history.domain;

import java.time.Instant;

/** One message of a transcript; {@code from} is visitor, agent, bot or system. */
public record TranscriptMessage(int seq, String messageId, String clientMsgId, String from, String senderId, String text,
                                String language, Instant sentAt) {
}
