package io.chatroute.history.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.chatroute.history.domain.PoisonEventException;
import io.chatroute.history.persistence.EventWriter;
import io.chatroute.history.persistence.PendingEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The transport adapter of topic {@code chat-events} (group {@code history-service}), in batches
 * ({@code batch=true}: one call per poll, up to {@code max.poll.records} records of this consumer's partitions).
 * Reads each record's CloudEvents binary-mode envelope, turns it into an event ({@link ChatEventHandler}) and
 * applies the whole batch in ONE transaction ({@link EventWriter#applyBatch}) through {@link ConsumerRetry}.
 *
 * <ul>
 * <li>Applied (or a duplicate, or a type history ignores): acknowledged after the batch's transaction
 * committed; the offset is committed after that (throttled strategy).</li>
 * <li>Poison: that record alone is nacked, and only then; the channel's
 * {@code failure-strategy=dead-letter-queue} writes it (key, value, headers) to the dead-letter topic. The rest
 * of the batch is applied. The batch is acknowledged only after every dead letter was written.</li>
 * <li>Transient failure of the transaction: the whole batch is retried until it commits (nothing of it was
 * committed; the processed_event rows make re-applying harmless), neither acked nor nacked meanwhile, so
 * the consumer's partitions wait.</li>
 * </ul>
 *
 * <p>The batch itself is never nacked: SmallRye would dead-letter every record of it.
 */
@ApplicationScoped
public class ChatEventsConsumer {

    static final String CHANNEL = "chat-events";

    private static final Logger LOG = Logger.getLogger(ChatEventsConsumer.class);

    private final ChatEventHandler handler;
    private final EventWriter writer;
    private final ConsumerRetry retry;
    private final Counter deadLetters;
    private final Counter removedChatEvents;

    public ChatEventsConsumer(ChatEventHandler handler, EventWriter writer, ConsumerRetry retry, MeterRegistry registry) {
        this.handler = handler;
        this.writer = writer;
        this.retry = retry;
        this.deadLetters = registry.counter("chatroute.consumer.dead.letters", "service", ConsumerRetry.SERVICE,
                "channel", CHANNEL);
        // events of erased or purged chats, dropped so that the chat is not brought back (README, Retention)
        this.removedChatEvents = registry.counter("chatroute.history.removed.chat.events");
        retry.retries(CHANNEL); // registered at 0, so the metric exists before the first retry
    }

    @Incoming(CHANNEL)
    public Uni<Void> consume(KafkaRecordBatch<String, String> batch) {
        List<KafkaRecord<String, String>> records = batch.getRecords();
        Batch work = new Batch(records);
        return retry.untilDone(CHANNEL, describe(records), work::apply)
                .chain(applied -> deadLetter(work.poison))
                .chain(() -> acknowledge(batch, work));
    }

    /** One poll's records, turned into events once (again after a failure of that step, which is transient). */
    private final class Batch {
        private final List<KafkaRecord<String, String>> records;
        private List<PendingEvent> events;
        private final Map<KafkaRecord<String, String>, PoisonEventException> poison = new LinkedHashMap<>();

        Batch(List<KafkaRecord<String, String>> records) {
            this.records = records;
        }

        Uni<EventWriter.Outcome> apply() {
            if (events == null) {
                prepare();
            }
            return writer.applyBatch(events).invoke(outcome -> {
                if (outcome.dropped() > 0) {
                    removedChatEvents.increment(outcome.dropped());
                    LOG.infof("%s: %d events of erased or purged chats dropped", CHANNEL, outcome.dropped());
                }
            });
        }

        private void prepare() {
            List<PendingEvent> prepared = new ArrayList<>(records.size());
            poison.clear();
            for (KafkaRecord<String, String> record : records) {
                String id = attribute(record, "id");
                String type = attribute(record, "type");
                String key = record.getKey();
                try {
                    handler.prepare(id, type, key, record.getPayload(), time(record)).ifPresent(prepared::add);
                } catch (PoisonEventException e) {
                    poison.put(record, e);
                }
            }
            events = prepared;
        }
    }

    /** Dead-letters the batch's poison records one after the other; a failing write is retried like any transient failure. */
    private Uni<Void> deadLetter(Map<KafkaRecord<String, String>, PoisonEventException> poison) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Map.Entry<KafkaRecord<String, String>, PoisonEventException> entry : poison.entrySet()) {
            KafkaRecord<String, String> record = entry.getKey();
            String what = what(record);
            chain = chain.chain(() -> {
                deadLetters.increment();
                LOG.errorf("%s: dead-lettering %s: %s", CHANNEL, what, ConsumerRetry.describe(entry.getValue()));
                return retry.untilDone(CHANNEL, "dead letter of " + what,
                        () -> Uni.createFrom().completionStage(() -> record.nack(entry.getValue()))
                                // a failed write is transient, whatever it carries
                                .onFailure().transform(f -> new IllegalStateException(ConsumerRetry.describe(f))));
            });
        }
        return chain;
    }

    /**
     * Acknowledges the last record of each partition (the throttled strategy tracks those; acknowledging one
     * covers the partition's records before it in the batch). A poison last record was acknowledged by the
     * dead-letter strategy once its dead letter was written.
     */
    private static Uni<Void> acknowledge(KafkaRecordBatch<String, String> batch, Batch work) {
        List<Uni<Void>> acks = new ArrayList<>();
        for (KafkaRecord<String, String> last : batch.getLatestOffsetRecords().values()) {
            if (!work.poison.containsKey(last)) {
                acks.add(Uni.createFrom().completionStage(last::ack));
            }
        }
        return acks.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(acks).andFailFast().replaceWithVoid();
    }

    /** Names the batch in log lines: record count and offset range per partition. */
    private static String describe(List<KafkaRecord<String, String>> records) {
        Map<String, long[]> ranges = new LinkedHashMap<>();
        for (KafkaRecord<String, String> r : records) {
            long offset = offset(r);
            long[] range = ranges.computeIfAbsent(r.getTopic() + "/" + r.getPartition(), k -> new long[] {offset, offset});
            range[0] = Math.min(range[0], offset);
            range[1] = Math.max(range[1], offset);
        }
        StringBuilder s = new StringBuilder("batch of ").append(records.size()).append(" records (");
        ranges.forEach((tp, range) -> s.append(s.charAt(s.length() - 1) == '(' ? "" : ", ").append(tp).append('/')
                .append(range[0]).append('-').append(range[1]));
        return s.append(')').toString();
    }

    private static String what(KafkaRecord<String, String> record) {
        return ChatEventHandler.safe(attribute(record, "type") + " " + attribute(record, "id") + " ("
                + record.getTopic() + "/" + record.getPartition() + "/" + offset(record) + ")");
    }

    private static long offset(KafkaRecord<?, ?> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getOffset).orElse(-1L);
    }

    /** The record's CloudEvents time (from the connector's metadata, or the ce_time header); null when absent or unreadable. */
    static Instant time(Message<?> message) {
        Optional<ZonedDateTime> stamp = message.getMetadata(IncomingCloudEventMetadata.class)
                .flatMap(m -> ((IncomingCloudEventMetadata<?>) m).getTimeStamp());
        if (stamp.isPresent()) {
            return stamp.get().toInstant();
        }
        return message.getMetadata(IncomingKafkaRecordMetadata.class).map(r -> {
            Header h = r.getHeaders().lastHeader("ce_time");
            if (h == null || h.value() == null) {
                return null;
            }
            try {
                return OffsetDateTime.parse(new String(h.value(), StandardCharsets.UTF_8)).toInstant();
            } catch (DateTimeParseException e) {
                return null;
            }
        }).orElse(null);
    }

    /** A CloudEvents attribute ("id", "type") from the connector's metadata, or from the ce_ header. */
    static String attribute(Message<?> message, String name) {
        Optional<IncomingCloudEventMetadata> ce = message.getMetadata(IncomingCloudEventMetadata.class);
        if (ce.isPresent()) {
            String value = "id".equals(name) ? ce.get().getId() : ce.get().getType();
            if (value != null) {
                return value;
            }
        }
        return message.getMetadata(IncomingKafkaRecordMetadata.class).map(r -> {
            Header h = r.getHeaders().lastHeader("ce_" + name);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }).orElse(null);
    }
}
