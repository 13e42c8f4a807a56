package io.chatroute.routing.messaging;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.WaitEstimator;
import io.chatroute.routing.domain.WaitingScore;
import io.chatroute.routing.persistence.RoutingStore;
import io.chatroute.routing.persistence.RoutingStore.Outcome;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A chat's entry in its queue's waiting set, derived from the chat hash (the truth): written for the chat's epoch
 * while it waits there (its first {@code chat.queued} of the epoch announced), removed otherwise. Used by the
 * {@link Router}'s handlers and by the {@link Dispatcher} when it withdraws an offer whose slot was lost.
 */
@ApplicationScoped
public class WaitingEntries {
    private final RoutingStore store;
    private final RoutingConfig config;
    private final Announcer announcer;

    public WaitingEntries(RoutingStore store, RoutingConfig config, Announcer announcer) {
        this.store = store;
        this.config = config;
        this.announcer = announcer;
    }

    /**
     * Brings the queue's waiting entry of a chat in line with the chat: indexed (and its first chat.queued of the
     * epoch announced, unless the queue is closed) while it waits there, removed otherwise. Idempotent. Returns the
     * chat's 1-based position, 0 when it does not wait there. Whoever writes an epoch's entry first announces it, with
     * the reason the step that started the epoch stored in the chat ({@code why}); {@code reason} is the fallback for
     * a chat written before that field existed (null: position-changed).
     */
    public long ensureIndexed(String chatId, String queueId, String reason) {
        return store.await(ensureIndexedAsync(chatId, queueId, reason));
    }

    /** As {@link #ensureIndexed}, without blocking. */
    public Uni<Long> ensureIndexedAsync(String chatId, String queueId, String reason) {
        return store.chatAsync(chatId).chain(chat -> {
            String why = chat.getOrDefault("why", reason == null ? "position-changed" : reason);
            String state = chat.get("state");
            boolean waiting = queueId.equals(chat.get("queueId")) && ("QUEUED".equals(state) || "RESERVED".equals(state));
            if (!waiting) {
                return store.unindexAsync(queueId, chatId, state == null ? Long.MAX_VALUE : Long.parseLong(chat.getOrDefault("epoch", "0")))
                        .invoke(() -> announcer.touch(queueId)).replaceWith(0L);
            }
            return store.queuesAsync().chain(queues -> {
                QueueDefinition queue = queues.get(queueId);
                Instant now = Instant.now();
                boolean open = queue == null || queue.businessHours() == null || queue.businessHours().isOpen(now);
                boolean queued = "QUEUED".equals(state);
                // In a closed queue the chat is told so (chat.offline, with the next opening) when it comes back into line
                // there (the enqueue script published it for a new chat); a chat its agent lost is first told that it left
                // the agent (chat.queued, reason agent-lost: session-service takes it from the agent only on that).
                Instant nextOpen = open || queue.businessHours() == null ? null : queue.businessHours().nextOpening(now).orElse(null);
                boolean closedHere = queued && !open && !"enqueued".equals(why);
                return index(chatId, queueId, chat, queued && (open || "agent-lost".equals(why)), why, now,
                        closedHere ? offline(chatId, queueId, chat, nextOpen, now) : null);
            }).map(o -> {
                announcer.touch(queueId);
                return "STALE".equals(o.code()) ? 0L : Long.parseLong(o.value(0));
            });
        });
    }

    /**
     * The idx timer's check, a few seconds after a chat started waiting: the same as {@link #ensureIndexed}, so an
     * entry that was missing (a crash between the chat's script and its queue's) is written and announced. It may run
     * for a later epoch than the one that scheduled it (the chat was given back meanwhile): it then announces that
     * epoch with its own reason, and the step that started the epoch finds it announced already.
     */
    void repair(String chatId, String queueId) {
        ensureIndexed(chatId, queueId, null);
    }

    /** The chat.offline of a chat back in line in a closed queue (routing's schema: status OFFLINE, reason closed). */
    private Map<String, Object> offline(String chatId, String queueId, Map<String, String> chat, Instant nextOpen, Instant now) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("chatId", chatId);
        ev.put("queueId", queueId);
        ev.put("ruleId", chat.getOrDefault("ruleId", "reserved"));
        ev.put("requiredSkills", store.readSkills(chat.get("requiredSkills")));
        ev.put("priority", Integer.parseInt(chat.getOrDefault("priority", "0")));
        ev.put("status", "OFFLINE");
        ev.put("reason", "closed");
        ev.put("nextOpenAt", nextOpen == null ? null : nextOpen.toString());
        ev.put("queuedAt", Instant.ofEpochMilli(Long.parseLong(chat.getOrDefault("enqueuedAt", String.valueOf(now.toEpochMilli()))))
                .toString());
        return ev;
    }

    private Uni<Outcome> index(String chatId, String queueId, Map<String, String> chat, boolean announce, String reason, Instant now,
                               Map<String, Object> offline) {
        long epoch = Long.parseLong(chat.getOrDefault("epoch", "0"));
        long since = Long.parseLong(chat.getOrDefault("enqueuedAt", String.valueOf(now.toEpochMilli())));
        int priority = Integer.parseInt(chat.getOrDefault("priority", "0"));
        String targetId = chat.getOrDefault("target", "");
        boolean reserved = "RESERVED".equals(chat.get("state"));
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("chatId", chatId);
        ev.put("queueId", queueId);
        ev.put("ruleId", chat.getOrDefault("ruleId", "reserved"));
        ev.put("requiredSkills", store.readSkills(chat.get("requiredSkills")));
        ev.put("priority", priority);
        ev.put("queuedAt", Instant.ofEpochMilli(since).toString());
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("e", epoch);
        entry.put("t", targetId);
        entry.put("ev", ev);
        Uni<WaitEstimator.Curve> curve = announce && offline == null
                ? store.signalsAsync(queueId, List.of(targetId), now).map(signals -> Announcer.curve(config, signals, targetId))
                : Uni.createFrom().item(new WaitEstimator.Curve(0, 0, 0, "none"));
        return curve.chain(c -> store.indexAsync(queueId, chatId, epoch, WaitingScore.of(priority, since, "F".equals(chat.get("band"))),
                since, entry, announce, c.freeSlots(), c.firstSeconds(), c.stepSeconds(), reason, targetId, reserved, offline, now));
    }
}
