package io.chatroute.history.messaging;

import java.time.Duration;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.chatroute.history.config.HistoryConfig;
import io.chatroute.history.domain.ChatEvent;
import io.chatroute.history.persistence.HistoryStore;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The idempotent handler: parses an event, applies it once (the processed_event row and the change in
 * one transaction), retries transient failures, and parks what cannot be applied.
 *
 * <p>Failure strategy:
 * <ol>
 * <li>Malformed data (a poison message: not JSON, a required field missing) cannot succeed on a retry:
 * it is logged, parked in {@code failed_event} with the reason, and acknowledged.</li>
 * <li>A failing transaction (database unavailable, a conflict with a concurrent consumer) is retried
 * with exponential back-off, {@code chatroute.history.consumer.max-attempts} times in all; the
 * retries run on the message's Vert.x context, so the partition waits (order is kept).</li>
 * <li>Still failing: the event is parked in {@code failed_event} and acknowledged, so one bad event
 * cannot block the chat stream forever.</li>
 * <li>If even parking fails (the database is down), the returned Uni fails: the message is nacked,
 * the channel's {@code failure-strategy=fail} stops consumption without committing the offset, the
 * readiness check turns DOWN, and the event is delivered again after a restart. Nothing is lost.</li>
 * </ol>
 */
@ApplicationScoped
public class ChatEventHandler {

    private static final Logger LOG = Logger.getLogger(ChatEventHandler.class);

    /** What happened to an event. */
    public enum Outcome { APPLIED, DUPLICATE, IGNORED, PARKED }

    private final ChatEventParser parser;
    private final HistoryStore store;
    private final HistoryConfig config;
    private final Vertx vertx;

    public ChatEventHandler(ChatEventParser parser, HistoryStore store, HistoryConfig config, Vertx vertx) {
        this.parser = parser;
        this.store = store;
        this.config = config;
        this.vertx = vertx;
    }

    /**
     * @param eventId the CloudEvent id ({@code ce_id}); null when the record has none
     * @param fallbackId where the record sits (topic/partition/offset), to name an event without an id
     */
    public Uni<Outcome> handle(String eventId, String fallbackId, String type, String key, String data) {
        if (!ChatEventParser.applies(type)) {
            LOG.debugf("chat-events: ignoring %s %s", safe(type), safe(eventId));
            return Uni.createFrom().item(Outcome.IGNORED);
        }
        if (eventId == null || eventId.isBlank()) {
            return park(fallbackId, type, key, data, "the record has no ce_id", 1);
        }
        Optional<ChatEvent> parsed;
        try {
            parsed = parser.parse(type, data);
        } catch (MalformedEventException e) {
            return park(eventId, type, key, data, "malformed " + type + ": " + e.getMessage(), 1);
        }
        if (parsed.isEmpty()) {
            return Uni.createFrom().item(Outcome.IGNORED);
        }
        ChatEvent event = parsed.get();
        if (key != null && !key.equals(event.chatId())) {
            LOG.warnf("chat-events: event %s has key %s but chatId %s; applying to the chatId", safe(eventId), safe(key),
                    safe(event.chatId()));
        }
        return attempt(eventId, type, event, 1)
                .map(applied -> applied ? Outcome.APPLIED : Outcome.DUPLICATE)
                .onFailure(Exhausted.class).recoverWithUni(err -> {
                    Exhausted x = (Exhausted) err;
                    return park(eventId, type, event.chatId(), data,
                            "failed after " + x.attempts + " attempts: " + describe(x.getCause()), x.attempts);
                });
    }

    private Uni<Boolean> attempt(String eventId, String type, ChatEvent event, int attempt) {
        return Uni.createFrom().deferred(() -> store.applyOnce(eventId, type, event))
                .onFailure().recoverWithUni(err -> {
                    if (attempt >= config.consumer().maxAttempts()) {
                        return Uni.createFrom().failure(new Exhausted(err, attempt));
                    }
                    Duration wait = backoff(attempt);
                    LOG.warnf("chat-events: applying %s %s failed (attempt %d, retrying in %d ms): %s",
                            safe(type), safe(eventId), attempt, wait.toMillis(), safe(describe(err)));
                    return delay(wait).chain(() -> attempt(eventId, type, event, attempt + 1));
                });
    }

    private Uni<Outcome> park(String id, String type, String chatId, String data, String reason, int attempts) {
        LOG.errorf("chat-events: parking event %s (%s, chat %s) in failed_event: %s", safe(id), safe(type), safe(chatId),
                safe(reason));
        return store.park(id, type, chatId, data, reason, attempts).replaceWith(Outcome.PARKED);
    }

    Duration backoff(int attempt) {
        long initial = config.consumer().initialBackoff().toMillis();
        long max = config.consumer().maxBackoff().toMillis();
        long ms = initial << Math.min(20, attempt - 1);
        return Duration.ofMillis(Math.max(1, Math.min(max, ms)));
    }

    /** Waits on a Vert.x timer, which fires on the calling context (Hibernate Reactive needs it). */
    private Uni<Void> delay(Duration wait) {
        return Uni.createFrom().emitter(em -> vertx.setTimer(Math.max(1, wait.toMillis()), id -> em.complete(null)));
    }

    /** Event fields come from outside: no control characters in the log (no forged log lines). */
    static String safe(String s) {
        return s == null ? null : s.codePoints().map(cp -> Character.isISOControl(cp) ? '?' : cp)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static String describe(Throwable err) {
        Throwable root = err;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** The retries are used up. */
    static final class Exhausted extends RuntimeException {
        final int attempts;

        Exhausted(Throwable cause, int attempts) {
            super(cause);
            this.attempts = attempts;
        }
    }
}
