package io.chatroute.knowledge.messaging;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.knowledge.config.KnowledgeConfig;
import io.chatroute.knowledge.domain.PoisonEventException;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.domain.SearchRequest;
import io.chatroute.knowledge.domain.Suggestions;
import io.chatroute.knowledge.persistence.IndexMaintenance;
import io.chatroute.knowledge.domain.KnowledgeSearchEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Reads chat-events and answers every chat.message.posted from the visitor with kb.suggested on kb-events
 * (key = chatId). The outgoing event's id is a name-based UUID of the incoming event's id, so a redelivered or
 * retried message yields the same event id.
 *
 * <p>Records come in batches ({@code batch=true}: one call per poll, up to {@code max.poll.records} records of
 * this consumer's partitions): the batch's searches run in one worker-thread hop, all its kb.suggested records
 * are sent at once and their broker acks awaited together.
 *
 * <p>Failure semantics (README, "Failure semantics"):
 * <ul>
 * <li>The batch is acknowledged only after the broker acknowledged every outgoing record of it (and every
 * dead letter of it was written).</li>
 * <li>A failing search or send (index not built yet, broker unavailable, a timeout, anything not poison) is
 * transient: {@link ConsumerRetry} runs the whole batch again (searches and sends, same ids) with back-off
 * until it succeeds, the partitions' later records waiting. Never skipped.</li>
 * <li>A poison record (no {@code ce_id}/{@code ce_type}, data that is not JSON or breaks the producer's
 * schema) is nacked alone, and the channel's {@code failure-strategy=dead-letter-queue} moves it to the
 * dead-letter topic; it is counted in {@code chatroute_consumer_dead_letters_total}. The rest of the batch is
 * answered. The batch itself is never nacked (SmallRye would dead-letter every record of it).</li>
 * </ul>
 */
@ApplicationScoped
public class SuggestionConsumer {

    static final String CHANNEL = "chat-events";
    static final String MESSAGE_POSTED = "chat.message.posted";
    static final URI SOURCE = URI.create("/knowledge-service");

    private static final Logger LOG = Logger.getLogger(SuggestionConsumer.class);

    private final MutinyEmitter<String> emitter;
    private final KnowledgeSearchEngine engine;
    private final IndexMaintenance index;
    private final ObjectMapper mapper;
    private final KnowledgeConfig config;
    private final Suggestions suggestions;
    private final MessagePostedReader reader;
    private final ConsumerRetry retry;
    private final Counter deadLetters;

    public SuggestionConsumer(@Channel("kb-events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2048)
                              MutinyEmitter<String> emitter, KnowledgeSearchEngine engine,
                              IndexMaintenance index, ObjectMapper mapper, KnowledgeConfig config, ConsumerRetry retry,
                              MeterRegistry registry) {
        this.emitter = emitter;
        this.engine = engine;
        this.index = index;
        this.mapper = mapper;
        this.config = config;
        this.retry = retry;
        KnowledgeConfig.Suggestions s = config.suggestions();
        this.suggestions = new Suggestions(s.maxItems(), s.minScore(), s.maxAge());
        this.reader = new MessagePostedReader(mapper);
        this.deadLetters = registry.counter("chatroute.consumer.dead.letters", "service", ConsumerRetry.SERVICE,
                "channel", CHANNEL);
        retry.retries(CHANNEL); // registered at 0, so the metric exists before the first retry
    }

    @Incoming(CHANNEL)
    public Uni<Void> onChatEvents(KafkaRecordBatch<String, String> batch) {
        if (!config.suggestions().enabled()) {
            return acknowledge(batch, Map.of());
        }
        Batch work = new Batch(batch.getRecords());
        return retry.untilDone(CHANNEL, describe(batch.getRecords()), work::attempt)
                .chain(() -> deadLetter(work.poison))
                .chain(() -> acknowledge(batch, work.poison));
    }

    /** A visitor message to answer: its source event id and what was read from it. */
    private record Question(String eventId, ChatMessagePosted posted, Suggestions.PostedMessage message) {
    }

    /** One poll's records: read once (poison set apart), then searched and answered on every attempt. */
    private final class Batch {
        private final List<KafkaRecord<String, String>> records;
        private final Map<KafkaRecord<String, String>, PoisonEventException> poison = new LinkedHashMap<>();
        private List<Question> questions;

        Batch(List<KafkaRecord<String, String>> records) {
            this.records = records;
        }

        /**
         * One attempt for the whole batch: all searches in one worker-thread hop, then every kb.suggested sent
         * at once (in record order, so a chat's suggestions keep their order) and the broker's acks awaited
         * together. Any failure is transient: the next attempt searches and sends again, with the same ids.
         */
        Uni<Void> attempt() {
            if (questions == null) {
                prepare();
            }
            if (questions.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            return Uni.createFrom().item(this::search)
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    .chain(answers -> {
                        List<Uni<Void>> sends = new ArrayList<>(answers.size());
                        for (Answer a : answers) {
                            Uni<Void> send = publish(a.question().eventId(), a.question().posted(), a.request(), a.hits());
                            if (send != null) {
                                sends.add(send);
                            }
                        }
                        return sends.isEmpty() ? Uni.createFrom().voidItem()
                                : Uni.join().all(sends).andCollectFailures().replaceWithVoid();
                    });
        }

        private List<Answer> search() {
            List<Answer> answers = new ArrayList<>(questions.size());
            Instant now = Instant.now();
            boolean ready = false;
            for (Question q : questions) {
                // measured when processed (each attempt): a message that waited out an outage may be too old
                Optional<SearchRequest> request = suggestions.requestFor(q.message(), now);
                if (request.isEmpty()) {
                    continue;
                }
                if (!ready) {
                    // a failure here (the index not built yet) is transient: retried
                    index.awaitReady(5);
                    ready = true;
                }
                answers.add(new Answer(q, request.get(), suggestions.select(engine.search(request.get()))));
            }
            return answers;
        }

        private void prepare() {
            List<Question> read = new ArrayList<>();
            poison.clear();
            for (KafkaRecord<String, String> record : records) {
                try {
                    question(record).ifPresent(read::add);
                } catch (PoisonEventException e) {
                    poison.put(record, e);
                }
            }
            questions = read;
        }
    }

    private record Answer(Question question, SearchRequest request, List<SearchHit> hits) {
    }

    /** The question a record asks, empty for a record that needs no answer; throws for a poison record. */
    private Optional<Question> question(Message<String> message) {
        String type = attribute(message, "type");
        if (type == null || type.isBlank()) {
            throw new PoisonEventException("the record has no ce_type");
        }
        if (!MESSAGE_POSTED.equals(type)) {
            return Optional.empty();
        }
        String eventId = attribute(message, "id");
        if (eventId == null || eventId.isBlank()) {
            throw new PoisonEventException("the record has no ce_id");
        }
        ChatMessagePosted posted = reader.read(message.getPayload());
        return Optional.of(new Question(eventId, posted, new Suggestions.PostedMessage(posted.chatId(), posted.seq(),
                posted.from(), posted.text(), posted.language(), parseTime(posted.sentAt()))));
    }

    /** Dead-letters the batch's poison records one after the other; a failing write is retried like any transient failure. */
    private Uni<Void> deadLetter(Map<KafkaRecord<String, String>, PoisonEventException> poison) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Map.Entry<KafkaRecord<String, String>, PoisonEventException> entry : poison.entrySet()) {
            KafkaRecord<String, String> record = entry.getKey();
            String what = ConsumerRetry.safe(attribute(record, "type") + " " + attribute(record, "id") + " (" + where(record) + ")");
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
    private static Uni<Void> acknowledge(KafkaRecordBatch<String, String> batch,
                                         Map<KafkaRecord<String, String>, PoisonEventException> poison) {
        List<Uni<Void>> acks = new ArrayList<>();
        for (KafkaRecord<String, String> last : batch.getLatestOffsetRecords().values()) {
            if (!poison.containsKey(last)) {
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

    private static long offset(Message<?> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getOffset).orElse(-1L);
    }

    private static String where(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(r -> r.getTopic() + "/" + r.getPartition() + "/" + r.getOffset()).orElse("unknown");
    }

    /** The send of kb.suggested for one answer, or null when nothing is published (no hits). */
    private Uni<Void> publish(String sourceEventId, ChatMessagePosted posted, SearchRequest request, List<SearchHit> hits) {
        if (hits.isEmpty() && !config.suggestions().publishEmpty()) {
            return null;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        KbSuggested data = new KbSuggested(posted.chatId(), posted.seq(),
                request.language().map(l -> l.code()).orElse(null), KbSuggested.items(hits), now.toString());
        String json;
        try {
            json = mapper.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        Message<String> out = Message.of(json)
                .addMetadata(OutgoingCloudEventMetadata.builder()
                        .withId(Suggestions.eventId(sourceEventId))
                        .withType(Suggestions.EVENT_TYPE)
                        .withSource(SOURCE)
                        .withSubject(posted.chatId())
                        .withDataContentType("application/json")
                        .withTimestamp(now.atZone(java.time.ZoneOffset.UTC))
                        .build())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(posted.chatId()).build());
        return emitter.sendMessage(out);
    }

    /** A CloudEvents attribute ("id", "type") from the connector's metadata, or from the ce_ header. */
    @SuppressWarnings("unchecked")
    static String attribute(Message<?> message, String name) {
        Optional<IncomingCloudEventMetadata> ce = message.getMetadata(IncomingCloudEventMetadata.class);
        if (ce.isPresent()) {
            String value = "id".equals(name) ? ce.get().getId() : "type".equals(name) ? ce.get().getType() : null;
            if (value != null) {
                return value;
            }
        }
        Optional<IncomingKafkaRecordMetadata> kafka = message.getMetadata(IncomingKafkaRecordMetadata.class);
        if (kafka.isPresent()) {
            Header h = kafka.get().getHeaders().lastHeader("ce_" + name);
            if (h != null && h.value() != null) {
                return new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static Instant parseTime(String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
