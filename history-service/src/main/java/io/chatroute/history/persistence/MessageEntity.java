package io.chatroute.history.persistence;

import java.time.Instant;

import io.chatroute.history.domain.TranscriptMessage;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Table {@code message}: unique per (chat_id, seq). */
@Entity
@Table(name = "message")
public class MessageEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    public Long id;
    @Column(name = "chat_id", columnDefinition = "text", nullable = false)
    public String chatId;
    @Column(name = "seq", nullable = false)
    public int seq;
    @Column(name = "message_id", columnDefinition = "text", nullable = false)
    public String messageId;
    @Column(name = "client_msg_id", columnDefinition = "text")
    public String clientMsgId;
    @Column(name = "sender_kind", columnDefinition = "text", nullable = false)
    public String senderKind;
    @Column(name = "sender_id", columnDefinition = "text")
    public String senderId;
    @Column(name = "text", columnDefinition = "text", nullable = false)
    public String text;
    @Column(name = "language", columnDefinition = "text")
    public String language;
    @Column(name = "sent_at", nullable = false)
    public Instant sentAt;

    static MessageEntity of(String chatId, TranscriptMessage m) {
        MessageEntity e = new MessageEntity();
        e.chatId = chatId;
        e.seq = m.seq();
        e.messageId = m.messageId();
        e.clientMsgId = m.clientMsgId();
        e.senderKind = m.from();
        e.senderId = m.senderId();
        e.text = m.text();
        e.language = m.language();
        e.sentAt = m.sentAt();
        return e;
    }

    TranscriptMessage toMessage() {
        return new TranscriptMessage(seq, messageId, clientMsgId, senderKind, senderId, text, language, sentAt);
    }
}
