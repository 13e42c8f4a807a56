package io.chatroute.session.messaging;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.session.config.SessionConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Group {@code session-service}: projects chat-events into the chat hashes, once per ce_id. Transient failures are
 * retried until they succeed (the partition waits); a poison record goes to {@code dead-letter-topic-state}. It also
 * reads what only the {@link DeliveryConsumer} uses (kb-events, stats-events, and the chat and agent events it pushes
 * without projecting them): every instance's delivery group skips a poison record, and this group, read once across
 * the instances, parks it, so each poison record is dead-lettered once.
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
        batches.apply(records, ConsumerRecord::key, r -> reads(IncomingEvent.of(r).type()), this::onEvent);
    }

    private static boolean reads(String type) {
        return type != null && (Projector.projects(type) || DeliveryConsumer.delivers(type));
    }

    void onEvent(ConsumerRecord<String, String> record) {
        IncomingEvent e = IncomingEvent.of(record);
        if (!reads(e.type())) {
            return;
        }
        boolean projects = Projector.projects(e.type());
        retry.run(CHANNEL, e.describe(), () -> {
            try {
                JsonNode d = e.json(mapper); // checks the producer's shape
                if (projects) {
                    projector.apply(e.id(), e.type(), d);
                }
            } catch (PoisonEventException poison) {
                deadLetters.park(CHANNEL, record, poison);
            }
        });
    }
}
