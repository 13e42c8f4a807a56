package io.chatroute.routing.messaging;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Poison records only: copies the record (same key, value and headers, plus SmallRye's {@code dead-letter-*}
 * headers naming where it came from and why) to {@code dead-letter-topic-<channel>}, waits for the broker's
 * acknowledgement, and counts it ({@code chatroute_consumer_dead_letters_total}). deploy/tools/DeadLetterReplay.java
 * puts such records back on their source topic with their key, so a chat's order is kept.
 */
@ApplicationScoped
public class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final MutinyEmitter<String> emitter;
    private final MeterRegistry meters;

    public DeadLetters(@Channel("dead-letters") MutinyEmitter<String> emitter, MeterRegistry meters) {
        this.emitter = emitter;
        this.meters = meters;
    }

    /** Blocks until the dead-letter topic has the record; a failure here is transient (the caller retries). */
    public void park(String channel, ConsumerRecord<String, String> record, PoisonEventException reason) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add("dead-letter-reason", bytes(reason.getMessage()));
        headers.add("dead-letter-topic", bytes(record.topic()));
        headers.add("dead-letter-partition", bytes(Integer.toString(record.partition())));
        headers.add("dead-letter-offset", bytes(Long.toString(record.offset())));
        OutgoingKafkaRecordMetadata<String> meta = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic("dead-letter-topic-" + channel)
                .withKey(record.key())
                .withHeaders(headers)
                .build();
        try {
            emitter.sendMessage(Message.of(record.value() == null ? "" : record.value()).addMetadata(meta))
                    .await().atMost(java.time.Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not write to the dead-letter topic: " + e, e);
        }
        meters.counter("chatroute_consumer_dead_letters_total", "service", "routing-service", "channel", channel).increment();
        LOG.errorf("%s: poison record %s/%d/%d dead-lettered: %s", channel, record.topic(), record.partition(),
                record.offset(), reason.getMessage());
    }

    private static byte[] bytes(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
