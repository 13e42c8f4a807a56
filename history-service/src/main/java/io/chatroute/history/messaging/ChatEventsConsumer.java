package io.chatroute.history.messaging;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.chatroute.history.domain.PoisonEventException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The transport adapter of topic {@code chat-events} (group {@code history-service}): reads the
 * CloudEvents binary-mode envelope and hands the event to {@link ChatEventHandler} through
 * {@link ConsumerRetry}.
 *
 * <ul>
 * <li>Applied (or a duplicate, or a type history ignores): acknowledged; the offset is committed after the
 * transaction committed.</li>
 * <li>Poison: nacked, and only then; the channel's {@code failure-strategy=dead-letter-queue} writes the
 * record (key, value, headers) to the dead-letter topic, then commits past it.</li>
 * <li>Transient failure: neither acked nor nacked; retried until it succeeds, the partition waiting.</li>
 * </ul>
 */
@ApplicationScoped
public class ChatEventsConsumer {

    static final String CHANNEL = "chat-events";

    private static final Logger LOG = Logger.getLogger(ChatEventsConsumer.class);

    private final ChatEventHandler handler;
    private final ConsumerRetry retry;
    private final Counter deadLetters;

    public ChatEventsConsumer(ChatEventHandler handler, ConsumerRetry retry, MeterRegistry registry) {
        this.handler = handler;
        this.retry = retry;
        this.deadLetters = registry.counter("chatroute.consumer.dead.letters", "service", ConsumerRetry.SERVICE,
                "channel", CHANNEL);
        retry.retries(CHANNEL); // registered at 0, so the metric exists before the first retry
    }

    @Incoming(CHANNEL)
    public Uni<Void> consume(Message<String> message) {
        Optional<IncomingCloudEventMetadata> ce = message.getMetadata(IncomingCloudEventMetadata.class);
        Optional<IncomingKafkaRecordMetadata> record = message.getMetadata(IncomingKafkaRecordMetadata.class);
        String id = ce.map(IncomingCloudEventMetadata::getId).orElseGet(() -> header(record, "ce_id"));
        String type = ce.map(IncomingCloudEventMetadata::getType).orElseGet(() -> header(record, "ce_type"));
        String key = record.map(r -> r.getKey() == null ? null : r.getKey().toString()).orElse(null);
        String where = record.map(r -> r.getTopic() + "/" + r.getPartition() + "/" + r.getOffset()).orElse("unknown");
        String what = ChatEventHandler.safe(type + " " + id + " (" + where + ")");
        return retry.untilDone(CHANNEL, what, () -> handler.handle(id, type, key, message.getPayload()))
                .onItemOrFailure().transformToUni((outcome, failure) -> {
                    if (failure == null) {
                        return Uni.createFrom().completionStage(message.ack());
                    }
                    // ConsumerRetry ends with a failure only for a poison record
                    deadLetters.increment();
                    LOG.errorf("%s: dead-lettering %s: %s", CHANNEL, what, ConsumerRetry.describe(failure));
                    return Uni.createFrom().completionStage(message.nack(poison(failure)));
                });
    }

    /** The failure the dead-letter record carries in its dead-letter-reason header. */
    private static Throwable poison(Throwable failure) {
        return failure instanceof PoisonEventException ? failure
                : new PoisonEventException(ConsumerRetry.describe(failure), failure);
    }

    private static String header(Optional<IncomingKafkaRecordMetadata> record, String name) {
        return record.map(r -> {
            Header h = r.getHeaders().lastHeader(name);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }).orElse(null);
    }
}
