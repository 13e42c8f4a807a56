package io.chatroute.knowledge.messaging;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The data of chat.message.posted (session-service's schema), as far as knowledge-service reads it. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ChatMessagePosted(String chatId, Long seq, String messageId, String clientMsgId, String from, String senderId,
                                String text, String language, String sentAt) {
}
