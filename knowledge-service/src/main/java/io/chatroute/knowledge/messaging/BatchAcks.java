package io.chatroute.knowledge.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.chatroute.knowledge.domain.PoisonEventException;
import io.micrometer.core.instrument.Counter;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** How the batch consumers end a batch: poison records dead-lettered one by one, then the batch acknowledged. */
final class BatchAcks {

    private static final Logger LOG = Logger.getLogger(BatchAcks.class);

    private BatchAcks() {
    }

    /** Dead-letters the batch's poison records one after the other; a failing write is retried like any transient failure. */
    static Uni<Void> deadLetter(ConsumerRetry retry, Counter deadLetters, String channel,
                                Map<KafkaRecord<String, String>, PoisonEventException> poison) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Map.Entry<KafkaRecord<String, String>, PoisonEventException> entry : poison.entrySet()) {
            KafkaRecord<String, String> record = entry.getKey();
            String what = ConsumerRetry.safe(SuggestionConsumer.attribute(record, "type") + " "
                    + SuggestionConsumer.attribute(record, "id") + " (" + where(record) + ")");
            chain = chain.chain(() -> {
                deadLetters.increment();
                LOG.errorf("%s: dead-lettering %s: %s", channel, what, ConsumerRetry.describe(entry.getValue()));
                return retry.untilDone(channel, "dead letter of " + what,
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
    static Uni<Void> acknowledge(KafkaRecordBatch<String, String> batch,
                                 Map<KafkaRecord<String, String>, PoisonEventException> poison) {
        List<Uni<Void>> acks = new ArrayList<>();
        for (KafkaRecord<String, String> last : batch.getLatestOffsetRecords().values()) {
            if (!poison.containsKey(last)) {
                acks.add(Uni.createFrom().completionStage(last::ack));
            }
        }
        return acks.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(acks).andFailFast().replaceWithVoid();
    }

    static String where(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(r -> r.getTopic() + "/" + r.getPartition() + "/" + r.getOffset()).orElse("unknown");
    }
}
