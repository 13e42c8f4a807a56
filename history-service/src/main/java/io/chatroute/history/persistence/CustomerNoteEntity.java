package io.chatroute.history.persistence;

import java.time.Instant;
import java.util.UUID;

import io.chatroute.history.domain.CustomerNote;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Table {@code customer_note}: notes about customers (read through this entity, inserted by {@link CustomerStore}). */
@Entity
@Table(name = "customer_note")
public class CustomerNoteEntity {

    @Id
    @Column(name = "id")
    public UUID id;
    @Column(name = "customer_id", columnDefinition = "text", nullable = false)
    public String customerId;
    @Column(name = "text", columnDefinition = "text", nullable = false)
    public String text;
    @Column(name = "author", columnDefinition = "text", nullable = false)
    public String author;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    @Column(name = "idempotency_key", columnDefinition = "text")
    public String idempotencyKey;

    CustomerNote toNote() {
        return new CustomerNote(id.toString(), customerId, text, author, createdAt);
    }
}
