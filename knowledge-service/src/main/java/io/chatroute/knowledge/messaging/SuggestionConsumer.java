package io.chatroute.knowledge.messaging;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
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
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Reads chat-events and answers every chat.message.posted from the visitor with kb.suggested on kb-events
 * (key = chatId). The outgoing event's id is a name-based UUID of the incoming event's id, so a redelivered or
 * retried message yields the same event id.
 *
 * <p>Failure semantics (README, "Failure semantics"):
 * <ul>
 * <li>The incoming record is acknowledged only after the broker acknowledged the outgoing one (or when the
 * message needs no suggestion).</li>
 * <li>A failing search or send (index not built yet, broker unavailable, a timeout, anything not poison) is
 * transient: {@link ConsumerRetry} runs the whole handling again with back-off until it succeeds, the
 * partition's later records waiting. Never skipped.</li>
 * <li>A poison record (no {@code ce_id}/{@code ce_type}, data that is not JSON or breaks the producer's
 * schema) is nacked, and the channel's {@code failure-strategy=dead-letter-queue} moves it to the dead-letter
 * topic; it is counted in {@code chatroute_consumer_dead_letters_total}.</li>
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

    public SuggestionConsumer(@Channel("kb-events") MutinyEmitter<String> emitter, KnowledgeSearchEngine engine,
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
    public Uni<Void> onChatEvent(Message<String> message) {
        if (!config.suggestions().enabled()) {
            return Uni.createFrom().completionStage(message.ack());
        }
        String what = ConsumerRetry.safe(attribute(message, "type") + " " + attribute(message, "id") + " (" + where(message) + ")");
        return retry.untilDone(CHANNEL, what, () -> handle(message))
                .onItemOrFailure().transformToUni((done, failure) -> {
                    if (failure == null) {
                        return Uni.createFrom().completionStage(message.ack());
                    }
                    // ConsumerRetry ends with a failure only for a poison record
                    deadLetters.increment();
                    LOG.errorf("%s: dead-lettering %s: %s", CHANNEL, what, ConsumerRetry.describe(failure));
                    return Uni.createFrom().completionStage(message.nack(failure));
                });
    }

    /** One attempt: fails with PoisonEventException for a poison record, with anything else for a transient failure. */
    private Uni<Void> handle(Message<String> message) {
        String type = attribute(message, "type");
        if (type == null || type.isBlank()) {
            return Uni.createFrom().failure(new PoisonEventException("the record has no ce_type"));
        }
        if (!MESSAGE_POSTED.equals(type)) {
            return Uni.createFrom().voidItem();
        }
        String eventId = attribute(message, "id");
        if (eventId == null || eventId.isBlank()) {
            return Uni.createFrom().failure(new PoisonEventException("the record has no ce_id"));
        }
        ChatMessagePosted posted;
        try {
            posted = reader.read(message.getPayload());
        } catch (PoisonEventException e) {
            return Uni.createFrom().failure(e);
        }
        Suggestions.PostedMessage pm = new Suggestions.PostedMessage(posted.chatId(), posted.seq(), posted.from(),
                posted.text(), posted.language(), parseTime(posted.sentAt()));
        Optional<SearchRequest> request = suggestions.requestFor(pm, Instant.now());
        if (request.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().item(() -> {
                    // a failure here (the index not built yet) is transient: retried
                    index.awaitReady(5);
                    return suggestions.select(engine.search(request.get()));
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(hits -> publish(eventId, posted, request.get(), hits));
    }

    private static String where(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(r -> r.getTopic() + "/" + r.getPartition() + "/" + r.getOffset()).orElse("unknown");
    }

    private Uni<Void> publish(String sourceEventId, ChatMessagePosted posted, SearchRequest request, List<SearchHit> hits) {
        if (hits.isEmpty() && !config.suggestions().publishEmpty()) {
            return Uni.createFrom().voidItem();
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
