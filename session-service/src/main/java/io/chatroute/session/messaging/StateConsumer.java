package io.chatroute.session.messaging;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.session.config.SessionConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

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
    private final KeyedBatches batches;

    public StateConsumer(Projector projector, TransientRetry retry, DeadLetters deadLetters, ObjectMapper mapper, SessionConfig config) {
        this.projector = projector;
        this.retry = retry;
        this.deadLetters = deadLetters;
        this.mapper = mapper;
        this.batches = new KeyedBatches("session-state", config.consumer().handlerThreads());
    }

    void onStop(@Observes ShutdownEvent event) {
        batches.shutdown();
    }

    /**
     * One batch per poll (one hand-over to a worker thread); each chat's records in order, different chats at the same
     * time ({@link KeyedBatches}); acknowledged when all were applied.
     */
    @Incoming(CHANNEL)
    @Blocking
    public void onEvents(ConsumerRecords<String, String> records) {
        batches.apply(records, ConsumerRecord::key, r -> {
            String type = IncomingEvent.of(r).type();
            return type != null && Projector.projects(type);
        }, this::onEvent);
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
