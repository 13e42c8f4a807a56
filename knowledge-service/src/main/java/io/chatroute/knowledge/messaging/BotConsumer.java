package io.chatroute.knowledge.messaging;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.knowledge.config.KnowledgeConfig;
import io.chatroute.knowledge.domain.Bot;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.domain.PoisonEventException;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.domain.SearchRequest;
import io.chatroute.knowledge.persistence.BotStore;
import io.chatroute.knowledge.persistence.IndexMaintenance;
import io.chatroute.knowledge.persistence.LuceneSearchEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The bot (README, "The bot"): reads chat-events in its own consumer group ({@code knowledge-bot}), so a
 * session-service outage holds back the bot's events only, never the agents' suggestions. From chat.requested /
 * chat.queued it knows a chat waits, from chat.assigned / chat.closed that it no longer does (for good). For a
 * visitor message of a waiting chat (and the first message that came with chat.requested), when the bot is
 * enabled, the best public article in the chat's language is posted as a bot message if it scores at least
 * minScore: once per message (bot_reply is keyed by chat and seq), with a clientMsgId derived from the source
 * event id (session-service deduplicates a repeated post).
 *
 * <p>Per batch: the state and the answers decided are written in one transaction, then the answers are posted
 * in order. A post that fails (session-service down, slow, 5xx, 401/403, 429) is a transient failure: the batch
 * is retried with back-off, the later events wait; processed events are skipped on the retry, pending answers
 * posted again. An answer whose chat was assigned or closed meanwhile is cancelled, never posted.
 */
@ApplicationScoped
public class BotConsumer {

    static final String CHANNEL = "bot-events";

    private static final Logger LOG = Logger.getLogger(BotConsumer.class);
    private static final Set<String> TYPES = Set.of("chat.requested", "chat.queued", "chat.assigned", "chat.closed",
            "chat.message.posted");

    private final BotStore store;
    private final LuceneSearchEngine engine;
    private final IndexMaintenance index;
    private final SessionClient session;
    private final ConsumerRetry retry;
    private final KnowledgeConfig config;
    private final ObjectMapper mapper;
    private final MessagePostedReader reader;
    private final Counter deadLetters;
    private final Counter answers;

    public BotConsumer(BotStore store, LuceneSearchEngine engine, IndexMaintenance index, SessionClient session,
                       ConsumerRetry retry, KnowledgeConfig config, ObjectMapper mapper, MeterRegistry registry) {
        this.store = store;
        this.engine = engine;
        this.index = index;
        this.session = session;
        this.retry = retry;
        this.config = config;
        this.mapper = mapper;
        this.reader = new MessagePostedReader(mapper);
        this.deadLetters = registry.counter("chatroute.consumer.dead.letters", "service", ConsumerRetry.SERVICE, "channel", CHANNEL);
        this.answers = registry.counter("chatroute.knowledge.bot.answers");
        retry.retries(CHANNEL);
    }

    /**
     * A chat-events record the bot acts on; {@code text} and {@code seq} for a visitor message to answer,
     * {@code language} a supported code or null.
     */
    record Event(String id, String type, String chatId, long seq, String text, String language, Instant sentAt) {
    }

    @Incoming(CHANNEL)
    public Uni<Void> onChatEvents(KafkaRecordBatch<String, String> batch) {
        if (!config.bot().consumerEnabled()) {
            return BatchAcks.acknowledge(batch, Map.of());
        }
        Map<KafkaRecord<String, String>, PoisonEventException> poison = new LinkedHashMap<>();
        List<Event> events = new ArrayList<>();
        for (KafkaRecord<String, String> record : batch.getRecords()) {
            try {
                read(record).ifPresent(events::add);
            } catch (PoisonEventException e) {
                poison.put(record, e);
            }
        }
        Uni<Void> work = events.isEmpty() ? Uni.createFrom().voidItem()
                : retry.untilDone(CHANNEL, "bot batch of " + batch.getRecords().size() + " records", () -> attempt(events));
        return work.chain(() -> BatchAcks.deadLetter(retry, deadLetters, CHANNEL, poison))
                .chain(() -> BatchAcks.acknowledge(batch, poison));
    }

    private record Plan(BotStore.Changes changes, List<BotStore.Reply> pending, Map<String, BotStore.ChatRow> chats) {
    }

    /**
     * One attempt: the settings first; while the bot is off, visitor messages need nothing (no state, no write) and
     * only the chats' state events are applied, so the bot costs next to nothing when it is not used.
     */
    private Uni<Void> attempt(List<Event> all) {
        return store.settings().chain(settings -> {
            boolean on = settings.map(Bot.Settings::enabled).orElse(false);
            List<Event> events = on ? all : all.stream().filter(e -> !"chat.message.posted".equals(e.type()))
                    .map(e -> new Event(e.id(), e.type(), e.chatId(), e.seq(), null, e.language(), e.sentAt())).toList();
            return events.isEmpty() ? Uni.createFrom().voidItem() : attempt(events, settings);
        });
    }

    private Uni<Void> attempt(List<Event> events, Optional<Bot.Settings> settings) {
        Set<String> ids = new LinkedHashSet<>();
        Set<String> chats = new LinkedHashSet<>();
        events.forEach(e -> {
            ids.add(e.id());
            chats.add(e.chatId());
        });
        return store.load(ids, chats, settings)
                .chain(loaded -> Uni.createFrom().item(() -> plan(events, loaded)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .chain(plan -> store.save(plan.changes()).map(stored -> {
                    List<BotStore.Reply> toPost = new ArrayList<>(plan.pending());
                    toPost.addAll(stored);
                    return new Plan(plan.changes(), toPost, plan.chats());
                }))
                .chain(plan -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (BotStore.Reply reply : plan.pending()) {
                        chain = chain.chain(() -> post(reply, plan.chats().get(reply.chatId())));
                    }
                    return chain;
                });
    }

    private Plan plan(List<Event> events, BotStore.Loaded loaded) {
        KnowledgeConfig.Bot cfg = config.bot();
        Bot.Settings settings = loaded.settings().orElse(new Bot.Settings(false, cfg.defaultMinScore(), cfg.defaultMinMargin(), true, null));
        Instant now = Instant.now();
        Map<String, BotStore.ChatRow> chats = new HashMap<>(loaded.chats());
        Map<String, BotStore.ChatRow> changed = new LinkedHashMap<>();
        Set<String> processed = new HashSet<>(loaded.processed());
        Set<String> answered = new HashSet<>(loaded.answered());
        List<String> newlyProcessed = new ArrayList<>();
        Set<String> stopped = new LinkedHashSet<>();
        List<BotStore.Reply> replies = new ArrayList<>();
        boolean ready = false;
        for (Event e : events) {
            if (!processed.add(e.id())) {
                continue;
            }
            newlyProcessed.add(e.id());
            BotStore.ChatRow row = chats.get(e.chatId());
            Bot.ChatState before = row == null ? null : row.state();
            Bot.ChatState after = Bot.next(before, e.type());
            String language = e.language() != null ? e.language() : row == null ? null : row.language();
            if (after != null && (after != before || (row != null && language != null && !language.equals(row.language())))) {
                BotStore.ChatRow next = new BotStore.ChatRow(after, language);
                chats.put(e.chatId(), next);
                changed.put(e.chatId(), next);
            }
            if (after == Bot.ChatState.ASSIGNED || after == Bot.ChatState.CLOSED) {
                stopped.add(e.chatId());
                continue;
            }
            if (e.text() == null || e.text().isBlank() || !Bot.mayAnswer(settings, after)) {
                continue;
            }
            if (e.sentAt() != null && e.sentAt().plus(cfg.maxAge()).isBefore(now)) {
                continue;
            }
            if (!answered.add(BotStore.key(e.chatId(), e.seq()))) {
                continue; // this message was answered (the first message comes with chat.requested and as seq 1)
            }
            if (!ready) {
                index.awaitReady(5);
                ready = true;
            }
            List<SearchHit> hits = engine.search(new SearchRequest(e.text(), Language.fromCode(language), 2, true));
            if (hits.isEmpty() || !Bot.sure(settings, hits.get(0), hits.size() > 1 ? hits.get(1) : null)) {
                continue; // never below the threshold
            }
            SearchHit best = hits.get(0);
            Optional<LuceneSearchEngine.Stored> article = engine.stored(best.articleId());
            if (article.isEmpty()) {
                continue;
            }
            String text = Bot.message(Language.fromCode(article.get().language()).orElse(null), article.get().title(), article.get().body());
            replies.add(new BotStore.Reply(e.chatId(), e.seq(), e.id(), Bot.clientMsgId(e.id()), best.articleId(), best.score(), text,
                    BotStore.PENDING, now));
        }
        List<BotStore.Reply> pending = loaded.pending().stream().filter(r -> !stopped.contains(r.chatId())).toList();
        return new Plan(new BotStore.Changes(newlyProcessed, changed, stopped, replies), pending, chats);
    }

    /** Posts one answer unless it is too old or its chat no longer waits; a failure of the post is transient. */
    private Uni<Void> post(BotStore.Reply reply, BotStore.ChatRow chat) {
        if (chat != null && chat.state() != Bot.ChatState.WAITING) {
            return store.mark(reply, BotStore.CANCELLED); // an agent joined or the chat closed meanwhile
        }
        if (reply.createdAt().plus(config.bot().maxAge()).isBefore(Instant.now())) {
            return store.mark(reply, BotStore.EXPIRED);
        }
        return Uni.createFrom().item(() -> session.post(reply.chatId(), reply.clientMsgId(), reply.text()))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(outcome -> switch (outcome) {
                    case POSTED -> {
                        answers.increment();
                        yield store.mark(reply, BotStore.POSTED);
                    }
                    case GONE -> store.mark(reply, BotStore.CANCELLED);
                    case REFUSED -> {
                        LOG.errorf("bot: session-service refused the answer to %s (chat %s); not retried",
                                ConsumerRetry.safe(reply.sourceEventId()), ConsumerRetry.safe(reply.chatId()));
                        yield store.mark(reply, BotStore.REFUSED);
                    }
                });
    }

    /** The event a record carries for the bot, empty for other types; throws for a poison record. */
    Optional<Event> read(KafkaRecord<String, String> record) {
        String type = SuggestionConsumer.attribute(record, "type");
        if (type == null || type.isBlank()) {
            throw new PoisonEventException("the record has no ce_type");
        }
        if (!TYPES.contains(type)) {
            return Optional.empty();
        }
        String id = SuggestionConsumer.attribute(record, "id");
        if (id == null || id.isBlank()) {
            throw new PoisonEventException("the record has no ce_id");
        }
        if ("chat.message.posted".equals(type)) {
            ChatMessagePosted m = reader.read(record.getPayload());
            if (!"visitor".equals(m.from())) {
                return Optional.empty();
            }
            return Optional.of(new Event(id, type, m.chatId(), m.seq(), m.text(), language(m.language()), time(m.sentAt())));
        }
        JsonNode n;
        try {
            n = mapper.readTree(record.getPayload() == null ? "" : record.getPayload());
        } catch (Exception e) {
            throw new PoisonEventException("unreadable " + type + ": data is not valid JSON");
        }
        if (n == null || !n.isObject() || !n.path("chatId").isTextual() || n.path("chatId").asText().isEmpty()) {
            throw new PoisonEventException("unreadable " + type + ": chatId is missing or not a non-empty string");
        }
        String chatId = n.path("chatId").asText();
        if (!"chat.requested".equals(type)) {
            return Optional.of(new Event(id, type, chatId, 0, null, null, null));
        }
        JsonNode message = n.path("message");
        String language = n.path("form").path("language").isTextual() && !n.path("form").path("language").asText().isBlank()
                ? n.path("form").path("language").asText()
                : n.path("visitor").path("locale").isTextual() ? n.path("visitor").path("locale").asText() : null;
        return Optional.of(new Event(id, type, chatId, 1, message.isTextual() ? message.asText() : null, language(language),
                time(n.path("requestedAt").asText(null))));
    }

    /**
     * The language the bot keeps for a chat and searches in: the supported code of a language code or locale (as
     * the suggestions derive it, {@link Language#fromCode}), null when unknown. Never the raw value: a form value
     * (500 characters) or a locale ("ja-JP-u-ca-japanese-x-lvariant-JP") does not fit {@code bot_chat.language}.
     */
    static String language(String codeOrLocale) {
        return Language.fromCode(codeOrLocale).map(Language::code).orElse(null);
    }

    private static Instant time(String value) {
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
