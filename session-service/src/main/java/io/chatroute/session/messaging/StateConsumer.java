package io.chatroute.session.messaging;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Group {@code session-service}: projects chat-events into the chat hashes, once per ce_id. Transient failures are
 * retried until they succeed (the partition waits); a poison record goes to {@code dead-letter-topic-state}.
 */
@ApplicationScoped
public class StateConsumer {

    static final String CHANNEL = "state";

    private final Projector projector;
    private final TransientRetry retry;
    private final DeadLetters deadLetters;
    private final ObjectMapper mapper;

    public StateConsumer(Projector projector, TransientRetry retry, DeadLetters deadLetters, ObjectMapper mapper) {
        this.projector = projector;
        this.retry = retry;
        this.deadLetters = deadLetters;
        this.mapper = mapper;
    }

    /** One batch per poll (one hand-over to a worker thread), applied record by record in order. */
    @Incoming(CHANNEL)
    @Blocking
    public void onEvents(ConsumerRecords<String, String> records) {
        records.forEach(this::onEvent);
    }

    void onEvent(ConsumerRecord<String, String> record) {
        IncomingEvent e = IncomingEvent.of(record);
        if (e.type() == null || !Projector.projects(e.type())) {
            return;
        }
        retry.run(CHANNEL, e.describe(), () -> {
            try {
                projector.apply(e.id(), e.type(), e.json(mapper));
            } catch (PoisonEventException poison) {
                deadLetters.park(CHANNEL, record, poison);
            }
        });
    }
}
