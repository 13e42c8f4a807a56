package io.chatroute.knowledge.messaging;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.knowledge.config.KnowledgeConfig;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.domain.SearchRequest;
import io.chatroute.knowledge.domain.Suggestions;
import io.chatroute.knowledge.persistence.IndexMaintenance;
import io.chatroute.knowledge.domain.KnowledgeSearchEngine;
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
 * (key = chatId). The outgoing event's id is a name-based UUID of the incoming event's id, so a redelivered
 * message yields the same event id. The incoming record is acknowledged only after the broker acknowledged the
 * outgoing one, so nothing is lost; a failed send nacks the record (the channel then fails and the service
 * reports not ready rather than skipping it). Messages that cannot be read are logged and skipped.
 */
@ApplicationScoped
public class SuggestionConsumer {

    static final String MESSAGE_POSTED = "chat.message.posted";
    static final URI SOURCE = URI.create("/knowledge-service");

    private static final Logger LOG = Logger.getLogger(SuggestionConsumer.class);

    private final MutinyEmitter<String> emitter;
    private final KnowledgeSearchEngine engine;
    private final IndexMaintenance index;
    private final ObjectMapper mapper;
    private final KnowledgeConfig config;
    private final Suggestions suggestions;

    public SuggestionConsumer(@Channel("kb-events") MutinyEmitter<String> emitter, KnowledgeSearchEngine engine,
                              IndexMaintenance index, ObjectMapper mapper, KnowledgeConfig config) {
        this.emitter = emitter;
        this.engine = engine;
        this.index = index;
        this.mapper = mapper;
        this.config = config;
        KnowledgeConfig.Suggestions s = config.suggestions();
        this.suggestions = new Suggestions(s.maxItems(), s.minScore(), s.maxAge());
    }

    @Incoming("chat-events")
    public Uni<Void> onChatEvent(Message<String> message) {
        return handle(message)
                .chain(() -> Uni.createFrom().completionStage(message.ack()))
                .onFailure().recoverWithUni(t -> {
                    LOG.errorf("could not publish kb.suggested: %s", t.toString());
                    return Uni.createFrom().completionStage(message.nack(t));
                });
    }

    private Uni<Void> handle(Message<String> message) {
        if (!config.suggestions().enabled()) {
            return Uni.createFrom().voidItem();
        }
        String type = attribute(message, "type");
        if (!MESSAGE_POSTED.equals(type)) {
            return Uni.createFrom().voidItem();
        }
        String eventId = attribute(message, "id");
        if (eventId == null || eventId.isBlank()) {
            LOG.warn("skipping chat.message.posted without a CloudEvents id");
            return Uni.createFrom().voidItem();
        }
        ChatMessagePosted posted;
        try {
            posted = mapper.readValue(message.getPayload(), ChatMessagePosted.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            LOG.warnf("skipping unreadable chat.message.posted %s: %s", eventId, e.getClass().getSimpleName());
            return Uni.createFrom().voidItem();
        }
        if (posted == null || posted.seq() == null) {
            LOG.warnf("skipping chat.message.posted %s without chatId/seq", eventId);
            return Uni.createFrom().voidItem();
        }
        Suggestions.PostedMessage pm = new Suggestions.PostedMessage(posted.chatId(), posted.seq(), posted.from(),
                posted.text(), posted.language(), parseTime(posted.sentAt()));
        Optional<SearchRequest> request = suggestions.requestFor(pm, Instant.now());
        if (request.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().item(() -> {
                    index.awaitReady(60);
                    return suggestions.select(engine.search(request.get()));
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(hits -> publish(eventId, posted, request.get(), hits));
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
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
