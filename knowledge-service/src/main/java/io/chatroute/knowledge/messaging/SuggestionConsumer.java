package io.chatroute.knowledge.messaging;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Set;
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
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.domain.SuggestionMemory;
import io.chatroute.knowledge.persistence.ArticleRows;
import io.chatroute.knowledge.persistence.IndexMaintenance;
import io.chatroute.knowledge.persistence.SuggestionStateStore;
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
    static final String SUGGESTION_USED = "suggestion.used";
    static final String CHAT_CLOSED = "chat.closed";
    static final URI SOURCE = URI.create("/knowledge-service");

    private static final Logger LOG = Logger.getLogger(SuggestionConsumer.class);

    private final MutinyEmitter<String> emitter;
    private final KnowledgeSearchEngine engine;
    private final IndexMaintenance index;
    private final ObjectMapper mapper;
    private final KnowledgeConfig config;
    private final Suggestions suggestions;
    private final MessagePostedReader reader;
    private final SuggestionUsedReader usedReader;
    private final SuggestionStateStore state;
    private final ArticleRows articleRows;
    private final ConsumerRetry retry;
    private final Counter deadLetters;

    public SuggestionConsumer(@Channel("kb-events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 2048)
                              MutinyEmitter<String> emitter, KnowledgeSearchEngine engine,
                              IndexMaintenance index, ObjectMapper mapper, KnowledgeConfig config, ConsumerRetry retry,
                              MeterRegistry registry, SuggestionStateStore state, ArticleRows articleRows) {
        this.state = state;
        this.articleRows = articleRows;
        this.usedReader = new SuggestionUsedReader(mapper);
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

    /** A record the consumer acts on: a visitor message to answer, a suggestion.used to record, a closed chat. */
    private sealed interface Item permits Question, Used, Closed {
        String chatId();
    }

    /** A message to answer: its source event id and what was read from it. */
    private record Question(String eventId, ChatMessagePosted posted, Suggestions.PostedMessage message) implements Item {
        public String chatId() {
            return posted.chatId();
        }
    }

    private record Used(String eventId, String chatId, String articleId, String agentId, Instant usedAt) implements Item {
    }

    private record Closed(String chatId) implements Item {
    }

    /** What an attempt decided: the state to write and the kb.suggested records to send, in record order. */
    private record Plan(SuggestionStateStore.Changes changes, List<Send> sends) {
    }

    private record Send(String sourceEventId, String chatId, String data) {
    }

    /** One poll's records: read once (poison set apart), then answered on every attempt. */
    private final class Batch {
        private final List<KafkaRecord<String, String>> records;
        private final Map<KafkaRecord<String, String>, PoisonEventException> poison = new LinkedHashMap<>();
        private List<Item> items;

        Batch(List<KafkaRecord<String, String>> records) {
            this.records = records;
        }

        /**
         * One attempt for the whole batch: the chats' state read in one go, all searches in one worker-thread hop,
         * the new state written in one transaction, then every kb.suggested sent at once (in record order, so a chat's
         * suggestions keep their order) and the broker's acks awaited together. Any failure is transient: the next
         * attempt starts again; messages answered by a committed attempt are sent again with the stored data and
         * the same ids.
         */
        Uni<Void> attempt() {
            if (items == null) {
                prepare();
            }
            if (items.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            Set<String> sourceIds = new LinkedHashSet<>();
            Set<String> chatIds = new LinkedHashSet<>();
            for (Item i : items) {
                chatIds.add(i.chatId());
                if (i instanceof Question q) {
                    sourceIds.add(q.eventId());
                }
            }
            return state.load(sourceIds, chatIds)
                    .chain(loaded -> Uni.createFrom().item(() -> plan(loaded)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                    .chain(plan -> state.save(plan.changes()).chain(articleRows::reindex).replaceWith(plan))
                    .chain(plan -> {
                        List<Uni<Void>> sends = new ArrayList<>(plan.sends().size());
                        for (Send send : plan.sends()) {
                            sends.add(publish(send));
                        }
                        return sends.isEmpty() ? Uni.createFrom().voidItem()
                                : Uni.join().all(sends).andCollectFailures().replaceWithVoid();
                    });
        }

        private Plan plan(SuggestionStateStore.Loaded loaded) {
            KnowledgeConfig.Suggestions cfg = config.suggestions();
            int keep = Math.max(1, cfg.contextMessages());
            Instant now = Instant.now();
            boolean ready = false;
            Map<String, String> answered = new HashMap<>(loaded.answers());
            Map<String, List<SuggestionMemory.Message>> contexts = new HashMap<>(loaded.contexts());
            Map<String, Map<String, SuggestionMemory.Previous>> suggested = new HashMap<>(loaded.suggested());
            List<SuggestionStateStore.Answer> answers = new ArrayList<>();
            Map<String, List<SuggestionMemory.Message>> newContexts = new LinkedHashMap<>();
            Map<String, Long> sentAt = new HashMap<>();
            Map<String, Map<String, SuggestionMemory.Previous>> newSuggested = new LinkedHashMap<>();
            Map<String, Long> forSeq = new HashMap<>();
            List<SuggestionStateStore.Unanswered> unanswered = new ArrayList<>();
            List<SuggestionStateStore.Use> uses = new ArrayList<>();
            Set<String> closed = new LinkedHashSet<>();
            List<Send> sends = new ArrayList<>();
            for (Item item : items) {
                String chat = item.chatId();
                if (item instanceof Closed) {
                    closed.add(chat);
                    contexts.remove(chat);
                    suggested.remove(chat);
                    newContexts.remove(chat);
                    newSuggested.remove(chat);
                    continue;
                }
                if (item instanceof Used u) {
                    List<SuggestionMemory.Message> ctx = contexts.getOrDefault(chat, List.of());
                    String question = ctx.isEmpty() ? null : ctx.get(ctx.size() - 1).text();
                    uses.add(new SuggestionStateStore.Use(u.eventId(), chat, u.articleId(), u.agentId(), question, u.usedAt()));
                    continue;
                }
                Question q = (Question) item;
                if (answered.containsKey(q.eventId())) {
                    // answered before (a redelivery, or a committed attempt): the same kb.suggested again
                    String data = answered.get(q.eventId());
                    if (data != null) {
                        sends.add(new Send(q.eventId(), chat, data));
                    }
                    continue;
                }
                Optional<SearchRequest> base = suggestions.requestFor(q.message(), now);
                if (base.isEmpty()) {
                    continue;
                }
                if (!ready) {
                    // a failure here (the index not built yet) is transient: retried
                    index.awaitReady(5);
                    ready = true;
                }
                List<SuggestionMemory.Message> ctx = contexts.getOrDefault(chat, List.of());
                Map<String, SuggestionMemory.Previous> before = suggested.getOrDefault(chat, Map.of());
                SearchRequest request = new SearchRequest(q.posted().text(), base.get().language(),
                        Math.min(MAX_SEARCH_DEPTH, suggestions.maxItems() + before.size()), true,
                        SuggestionMemory.contextBefore(ctx, q.posted().seq(), keep));
                List<SearchHit> hits = engine.search(request);
                List<SearchHit> chosen = SuggestionMemory.choose(suggestions.aboveMinScore(hits), before,
                        suggestions.maxItems());
                double best = hits.isEmpty() ? 0 : hits.get(0).score();
                if (best < cfg.unansweredBelow()) {
                    String normalised = SuggestionMemory.normalise(q.posted().text());
                    if (!normalised.isEmpty()) {
                        unanswered.add(new SuggestionStateStore.Unanswered(request.language().map(Language::code).orElse(""),
                                normalised, truncate(q.posted().text(), 1000), hits.isEmpty() ? null : best, now));
                    }
                }
                String data = chosen.isEmpty() && !cfg.publishEmpty() ? null : json(q.posted(), request, chosen);
                answered.put(q.eventId(), data);
                answers.add(new SuggestionStateStore.Answer(q.eventId(), chat, data));
                if (data != null) {
                    sends.add(new Send(q.eventId(), chat, data));
                }
                List<SuggestionMemory.Message> remembered = SuggestionMemory.remember(ctx,
                        new SuggestionMemory.Message(q.posted().seq(), truncate(q.posted().text(), 1000)), keep);
                contexts.put(chat, remembered);
                newContexts.put(chat, remembered);
                sentAt.put(chat, q.message().sentAt() == null ? now.toEpochMilli() : q.message().sentAt().toEpochMilli());
                if (!chosen.isEmpty()) {
                    suggested.put(chat, SuggestionMemory.afterSuggesting(before, chosen));
                    newSuggested.computeIfAbsent(chat, k -> new LinkedHashMap<>())
                            .putAll(SuggestionMemory.afterSuggesting(Map.of(), chosen));
                    forSeq.put(chat, q.posted().seq());
                }
            }
            return new Plan(new SuggestionStateStore.Changes(answers, newContexts, sentAt, newSuggested, forSeq, unanswered,
                    uses, closed), sends);
        }

        private void prepare() {
            List<Item> read = new ArrayList<>();
            poison.clear();
            for (KafkaRecord<String, String> record : records) {
                try {
                    item(record).ifPresent(read::add);
                } catch (PoisonEventException e) {
                    poison.put(record, e);
                }
            }
            items = read;
        }
    }

    /** How many hits a search asks for at most (the items plus the articles already suggested in the chat). */
    static final int MAX_SEARCH_DEPTH = 20;

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private String json(ChatMessagePosted posted, SearchRequest request, List<SearchHit> hits) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        KbSuggested data = new KbSuggested(posted.chatId(), posted.seq(),
                request.language().map(Language::code).orElse(null), KbSuggested.items(hits), now.toString());
        try {
            return mapper.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The item a record asks for, empty for a record that needs nothing; throws for a poison record. */
    private Optional<Item> item(Message<String> message) {
        String type = attribute(message, "type");
        if (type == null || type.isBlank()) {
            throw new PoisonEventException("the record has no ce_type");
        }
        if (CHAT_CLOSED.equals(type)) {
            // only a clean-up: an unreadable chat.closed is left to the consumers that need it (the state expires anyway)
            try {
                String chatId = mapper.readTree(message.getPayload()).path("chatId").asText("");
                return chatId.isEmpty() ? Optional.empty() : Optional.of(new Closed(chatId));
            } catch (Exception e) {
                return Optional.empty();
            }
        }
        if (!MESSAGE_POSTED.equals(type) && !SUGGESTION_USED.equals(type)) {
            return Optional.empty();
        }
        String eventId = attribute(message, "id");
        if (eventId == null || eventId.isBlank()) {
            throw new PoisonEventException("the record has no ce_id");
        }
        if (SUGGESTION_USED.equals(type)) {
            SuggestionUsedReader.Used u = usedReader.read(message.getPayload());
            return Optional.of(new Used(eventId, u.chatId(), u.articleId(), u.agentId(), u.usedAt()));
        }
        ChatMessagePosted posted = reader.read(message.getPayload());
        return Optional.of(new Question(eventId, posted, new Suggestions.PostedMessage(posted.chatId(), posted.seq(),
                posted.from(), posted.text(), posted.language(), parseTime(posted.sentAt()))));
    }

    private Uni<Void> deadLetter(Map<KafkaRecord<String, String>, PoisonEventException> poison) {
        return BatchAcks.deadLetter(retry, deadLetters, CHANNEL, poison);
    }

    private static Uni<Void> acknowledge(KafkaRecordBatch<String, String> batch,
                                         Map<KafkaRecord<String, String>, PoisonEventException> poison) {
        return BatchAcks.acknowledge(batch, poison);
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

    /** The send of one kb.suggested (its id derived from the source event's id). */
    private Uni<Void> publish(Send send) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Message<String> out = Message.of(send.data())
                .addMetadata(OutgoingCloudEventMetadata.builder()
                        .withId(Suggestions.eventId(send.sourceEventId()))
                        .withType(Suggestions.EVENT_TYPE)
                        .withSource(SOURCE)
                        .withSubject(send.chatId())
                        .withDataContentType("application/json")
                        .withTimestamp(now.atZone(java.time.ZoneOffset.UTC))
                        .build())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(send.chatId()).build());
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
