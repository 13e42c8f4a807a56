package io.chatroute.history.persistence;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Table {@code chat_survey}: the visitor's survey, one per chat (written by a later feature). */
@Entity
@Table(name = "chat_survey")
public class SurveyEntity {
    @Id
    @Column(name = "chat_id", columnDefinition = "text")
    public String chatId;
    @Column(name = "csat")
    public Integer csat;
    @Column(name = "ces")
    public Integer ces;
    @Column(name = "comment", columnDefinition = "text")
    public String comment;
    @Column(name = "submitted_at", nullable = false)
    public Instant submittedAt;
}
