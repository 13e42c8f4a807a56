package io.chatroute.session.persistence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.chatroute.session.domain.VisitorTokens;
import io.chatroute.session.persistence.Scripts.Emitted;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.hash.HashCommands;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.quarkus.redis.datasource.keys.KeyCommands;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.list.ListCommands;
import io.quarkus.redis.datasource.set.ReactiveSetCommands;
import io.quarkus.redis.datasource.set.SetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.SortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ZAddArgs;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The chat state in Redis. Every state change is one Lua script that also appends its events to the outbox and
 * returns them ({@link Outcome#emitted()}), so that the caller publishes them at once. The state changes are
 * non-blocking ({@link Uni}); reads block (worker threads).
 *
 * <p>Redis Cluster: every script's keys are in one partition ({@link Keys}): a chat's, or an agent's. What spans an agent
 * and a chat, or a process and an agent, is a sequence of single-slot steps ordered so that nothing is lost when a
 * process dies between them: the agent's index of chats and a process's set of agents may hold more than is true (an
 * entry is added before the change that makes it true, and removed after the change that makes it false), never less;
 * the readers check every entry.
 */
@ApplicationScoped
public class ChatStore {

    /** Result of a script: a status, a value, and the outbox entries it appended. */
    public record Outcome(String status, String value, List<Emitted> emitted) {
        public boolean is(String s) {
            return s.equals(status);
        }
    }

    /** An outbox entry to append with a chat creation. */
    public record NewEvent(String id, String data) {
    }

    private final Scripts scripts;
    private final HashCommands<String, String, String> hashes;
    private final ListCommands<String, String> lists;
    private final ValueCommands<String, String> values;
    private final SetCommands<String, String> sets;
    private final KeyCommands<String> keys;
    private final SortedSetCommands<String, String> sortedSets;
    private final ReactiveSetCommands<String, String> reactiveSets;
    private final ReactiveKeyCommands<String> reactiveKeys;
    private final ReactiveHashCommands<String, String, String> reactiveHashes;

    public ChatStore(RedisDataSource redis, ReactiveRedisDataSource reactive, Scripts scripts) {
        this.scripts = scripts;
        this.hashes = redis.hash(String.class);
        this.lists = redis.list(String.class);
        this.values = redis.value(String.class);
        this.sets = redis.set(String.class);
        this.keys = redis.key(String.class);
        this.sortedSets = redis.sortedSet(String.class);
        this.reactiveSets = reactive.set(String.class);
        this.reactiveKeys = reactive.key(String.class);
        this.reactiveHashes = reactive.hash(String.class);
    }

    /**
     * A new chat's id: random, and with an Idempotency-Key in the partition of its record, so that the chat and the
     * record are written by one script (64 draws on average).
     */
    public static String newChatId(String idempotencyRecordId) {
        if (idempotencyRecordId == null) {
            return UUID.randomUUID().toString();
        }
        int partition = Keys.idempotencyPartition(idempotencyRecordId);
        while (true) {
            String id = UUID.randomUUID().toString();
            if (Keys.chatPartition(id) == partition) {
                return id;
            }
        }
    }

    /** A new chat's visitor token: random, drawn until its key is in the chat's partition (64 draws on average). */
    public static String newVisitorToken(String chatId) {
        int partition = Keys.chatPartition(chatId);
        while (true) {
            String token = VisitorTokens.newToken();
            if (Keys.visitorTokenPartition(VisitorTokens.sha256Hex(token)) == partition) {
                return token;
            }
        }
    }

    public Uni<Outcome> create(String chatId, Map<String, String> fields, String tokenHash, NewEvent requested,
                          NewEvent firstMessage, String clientMsgId, String time,
                          String idempotencyRecordId, String sealedAnswer, Duration idempotencyTtl, String requestHash,
                          Duration tokenTtl) {
        boolean idem = idempotencyRecordId != null;
        return scripts.evalAsync(Scripts.CREATE_CHAT,
                List.of(Keys.chat(chatId), Keys.visitorToken(tokenHash), Keys.messages(chatId), Keys.clientMsgs(chatId),
                        Keys.chatOutbox(chatId), idem ? Keys.idempotency(idempotencyRecordId) : Keys.chat(chatId) + ":no-idempotency"),
                List.of(io.vertx.core.json.Json.encode(fields), chatId, requested.id(), requested.data(), time,
                        firstMessage == null ? "" : firstMessage.id(), firstMessage == null ? "" : firstMessage.data(),
                        clientMsgId == null ? "" : clientMsgId,
                        idem ? "1" : "0", idem ? sealedAnswer : "", Long.toString(idempotencyTtl.toSeconds()),
                        requestHash == null ? "" : requestHash, Long.toString(tokenTtl.toSeconds()))).map(ChatStore::pair);
    }

    /** The stored idempotency record ({requestHash, answer}) or null. */
    public String idempotencyRecord(String recordId) {
        return values.get(Keys.idempotency(recordId));
    }

    /** Posts a message; a visitor's messages pass a token bucket of {@code perSecond} with bursts of {@code burst}. */
    public Uni<Outcome> postMessage(String chatId, String clientMsgId, String dataWithoutSeq, String eventId, String senderKind,
                                    String senderId, String time, long nowMillis, int perSecond, int burst) {
        return scripts.evalAsync(Scripts.POST_MESSAGE,
                List.of(Keys.chat(chatId), Keys.messages(chatId), Keys.clientMsgs(chatId), Keys.chatOutbox(chatId)),
                List.of(clientMsgId, dataWithoutSeq, eventId, senderKind, senderId == null ? "" : senderId, time,
                        Long.toString(nowMillis), Integer.toString(perSecond), Integer.toString(burst))).map(ChatStore::pair);
    }

    /** Closes the chat; its keys expire {@code retention} later. */
    public Uni<Outcome> close(String chatId, String by, String agentId, String eventId, String time, Duration retention) {
        return close(chatId, by, agentId, eventId, time, retention, null);
    }

    /** The same with the close's reason in chat.closed ({@code not-routed}); null: none. */
    public Uni<Outcome> close(String chatId, String by, String agentId, String eventId, String time, Duration retention, String reason) {
        return close(chatId, by, agentId, eventId, time, retention, reason, "", "");
    }

    /**
     * Closes a waiting chat by the system (reason {@code visitor-left}) only if its visitor was last seen at or before
     * {@code cutoffMillis}: ok, back (seen since), not_waiting (an agent holds it, or its queue is closed), already,
     * not_found.
     */
    public Uni<Outcome> closeIfVisitorGone(String chatId, String eventId, String time, Duration retention, long cutoffMillis,
                                           long nowMillis) {
        return close(chatId, "system", null, eventId, time, retention, "visitor-left", Long.toString(cutoffMillis), Long.toString(nowMillis));
    }

    private Uni<Outcome> close(String chatId, String by, String agentId, String eventId, String time, Duration retention, String reason,
                               String cutoff, String now) {
        return scripts.evalAsync(Scripts.CLOSE_CHAT,
                List.of(Keys.chat(chatId), Keys.chatOutbox(chatId), Keys.messages(chatId), Keys.clientMsgs(chatId), Keys.visitorsSeen(chatId)),
                List.of(by, agentId == null ? "" : agentId, eventId, time, Long.toString(retention.toSeconds()), reason == null ? "" : reason,
                        chatId, cutoff, now))
                .map(ChatStore::pair)
                // the closed chat leaves its agent's index (another partition), after the close: see the class comment
                .invoke(o -> {
                    if (o.is("ok") && !o.value().isEmpty()) {
                        dropFromIndex(o.value(), chatId);
                    }
                });
    }

    /**
     * Drops a closed chat from its agent's index, without waiting (the close's events are published meanwhile); a failure
     * leaves the entry for the agent's next connect to drop. (A closed chat never comes back, so this cannot race with an
     * add.)
     */
    private void dropFromIndex(String agentId, String chatId) {
        reactiveSets.srem(Keys.agentChats(agentId), chatId).subscribe().with(n -> { }, e -> { });
    }

    /**
     * Notes that these chats' visitors have a socket open now: {@code existingOnly} updates only the chats already
     * noted (a periodic mark, which must not bring back a chat whose close removed it), otherwise adds them too.
     */
    public void visitorsSeen(Collection<String> chatIds, long nowMillis, boolean existingOnly) {
        Map<String, Map<String, Double>> byShard = new HashMap<>();
        chatIds.forEach(id -> byShard.computeIfAbsent(Keys.visitorsSeen(id), k -> new HashMap<>()).put(id, (double) nowMillis));
        ZAddArgs args = new ZAddArgs();
        if (existingOnly) {
            args.xx();
        }
        byShard.forEach((key, scores) -> sortedSets.zadd(key, args, scores));
    }

    /**
     * Up to {@code limit} chats whose visitor was last seen at or before {@code cutoffMillis}: the sets in turn from
     * {@code firstShard} (a caller that moves it on each time reaches every set even when a pass stops early), each
     * longest gone first.
     */
    public List<String> visitorsGoneSince(long cutoffMillis, int limit, int firstShard) {
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < Keys.PARTITIONS && gone.size() < limit; i++) {
            int shard = Math.floorMod(firstShard + i, Keys.PARTITIONS);
            gone.addAll(sortedSets.zrangebyscore(Keys.visitorsSeenShard(shard), ScoreRange.from(Double.NEGATIVE_INFINITY, (double) cutoffMillis),
                    new ZRangeArgs().limit(0, limit - gone.size())));
        }
        return gone;
    }

    public Uni<Outcome> answerOffer(String chatId, boolean accept, String agentId, String eventId, String time, String reason) {
        return scripts.evalAsync(Scripts.ANSWER_OFFER, List.of(Keys.chat(chatId), Keys.chatOutbox(chatId)),
                        List.of(accept ? "accept" : "decline", agentId, eventId, time, reason == null ? "" : reason)).map(ChatStore::pair);
        // a declined chat stays in the agent's index until it closes (a connect reads it and skips it): dropping it here
        // could race with a new offer of the chat to the same agent, whose entry is added before its projection
    }

    /**
     * Applies a consumed event once: 1 applied, 0 already processed, 2 skipped. An event that names the agent the chat
     * is offered or assigned to adds the chat to that agent's index first (another partition: see the class comment).
     */
    public long project(String eventId, String chatId, Duration markerTtl, String statuses, String offerId, Map<String, String> fields) {
        String agentId = fields.get("agentId");
        if (agentId != null && !agentId.isEmpty()) {
            sets.sadd(Keys.agentChats(agentId), chatId);
        }
        List<String> args = new ArrayList<>();
        args.add(Long.toString(markerTtl.toSeconds()));
        args.add(statuses);
        args.add(offerId == null ? "" : offerId);
        fields.forEach((k, v) -> {
            args.add(k);
            args.add(v == null ? "" : v);
        });
        return scripts.eval(Scripts.PROJECT, List.of(Keys.processed(chatId, eventId), Keys.chat(chatId)), args).value().toLong();
    }

    /** The chat hash, empty when unknown. */
    public Map<String, String> chat(String chatId) {
        return hashes.hgetall(Keys.chat(chatId));
    }

    /** The chat's status, null when unknown (its keys expired, or never here). */
    public String status(String chatId) {
        return hashes.hget(Keys.chat(chatId), "status");
    }

    /** Whether an agent ever held the chat (it was assigned): only such a chat asks its visitor for the survey. */
    public boolean wasAssigned(String chatId) {
        String at = hashes.hget(Keys.chat(chatId), "assignedAt");
        return at != null && !at.isEmpty();
    }

    /** The chat's last message seq (0 when none or unknown). */
    public long lastSeq(String chatId) {
        String seq = hashes.hget(Keys.chat(chatId), "seq");
        return seq == null || seq.isEmpty() ? 0 : Long.parseLong(seq);
    }

    /** The agent's index as stored (tests; a connect reads {@link #liveAgentChats}). */
    public Set<String> agentChats(String agentId) {
        return sets.smembers(Keys.agentChats(agentId));
    }

    /**
     * The chats still offered to or held by the agent: the agent's index, each entry checked against its chat. Entries
     * whose chat is closed or gone are dropped from the index (those never come back); one whose chat is waiting or with
     * another agent stays (it may be this agent's again: its add came first) until that chat closes.
     */
    public List<String> liveAgentChats(String agentId) {
        List<String> out = new ArrayList<>();
        List<String> ended = new ArrayList<>();
        for (String chatId : sets.smembers(Keys.agentChats(agentId))) {
            Map<String, String> chat = hashes.hmget(Keys.chat(chatId), "status", "agentId");
            String status = chat.get("status");
            if (status == null || status.isEmpty() || "CLOSED".equals(status)) {
                ended.add(chatId);
            } else if (agentId.equals(chat.get("agentId")) && ("OFFERED".equals(status) || "ACTIVE".equals(status))) {
                out.add(chatId);
            }
        }
        if (!ended.isEmpty()) {
            sets.srem(Keys.agentChats(agentId), ended.toArray(String[]::new));
        }
        return out;
    }

    /** Stored message JSONs with seq > afterSeq, in order. */
    public List<String> messagesAfter(String chatId, long afterSeq) {
        return lists.lrange(Keys.messages(chatId), Math.max(0, afterSeq), -1);
    }

    /** Stored message JSONs with afterSeq < seq <= upToSeq, in order. */
    public List<String> messagesBetween(String chatId, long afterSeq, long upToSeq) {
        if (upToSeq <= afterSeq) {
            return List.of();
        }
        return lists.lrange(Keys.messages(chatId), Math.max(0, afterSeq), upToSeq - 1);
    }

    /** The agent's open sockets on live instances after a change, and the change's version (rising per agent). */
    public record SocketCount(long open, long version) {
    }

    /**
     * Counts an agent socket opened (+1) or closed (-1) on this instance. The process's set of agents gets the agent
     * before its first count, and loses it after its last (see the class comment).
     */
    public SocketCount agentSocket(String agentId, String instanceId, int delta) {
        if (delta > 0) {
            sets.sadd(Keys.instanceAgents(instanceId), agentId);
        }
        Response r = scripts.eval(Scripts.AGENT_SOCKET, List.of(Keys.agentSockets(agentId)),
                List.of(instanceId, Integer.toString(delta))).value();
        return counted(agentId, instanceId, r);
    }

    /**
     * The agent's open sockets on live processes (this one, and every other whose heartbeat exists) from a script's
     * {here, version, process, count, ...}; this process's entry in its set of agents goes when its count is 0.
     */
    private SocketCount counted(String agentId, String instanceId, Response r) {
        long here = r.get(0).toLong();
        long total = 0;
        for (int i = 2; i + 1 < r.size(); i += 2) {
            String process = r.get(i).toString();
            long n = r.get(i + 1).toLong();
            if (n > 0 && (process.equals(instanceId) || keys.exists(Keys.instance(process)))) {
                total += n;
            }
        }
        if (here <= 0) {
            sets.srem(Keys.instanceAgents(instanceId), agentId);
        }
        return new SocketCount(total, r.get(1).toLong());
    }

    /** The processes that counted agent sockets and were not yet released. */
    public Set<String> instances() {
        return sets.smembers(Keys.INSTANCES);
    }

    public boolean instanceAlive(String instanceId) {
        return keys.exists(Keys.instance(instanceId));
    }

    /** The agents a process still counts sockets of (it may name more: see the class comment). */
    public Set<String> instanceAgents(String instanceId) {
        return sets.smembers(Keys.instanceAgents(instanceId));
    }

    /**
     * Releases what a gone process counted for one agent: status {@code offline} when that left the agent with no socket
     * on a process not known to be gone (OFFLINE, reason disconnected, then went to the outbox in the same step),
     * {@code live}, {@code none}, or {@code alive} when the process's heartbeat is back. The agent leaves the process's
     * set after the release.
     */
    public Uni<Outcome> instanceGone(String instanceId, String agentId, String eventId, String time) {
        return reactiveKeys.exists(Keys.instance(instanceId)).chain(alive -> alive
                ? Uni.createFrom().item(new Outcome("alive", "", List.of()))
                : deadProcesses(agentId, instanceId).chain(gone -> {
                    List<String> args = new ArrayList<>(List.of(instanceId, agentId, eventId, time));
                    args.addAll(gone);
                    return scripts.evalAsync(Scripts.INSTANCE_GONE, List.of(Keys.agentSockets(agentId), Keys.agentOutbox(agentId)), args)
                            .map(r -> new Outcome(r.value().toString(), "", r.emitted()))
                            .call(o -> reactiveSets.srem(Keys.instanceAgents(instanceId), agentId));
                }));
    }

    /**
     * The processes counted in the agent's hash whose heartbeat has expired, and {@code gone} itself: the same rule as
     * {@link #counted} (a count is live while its process's heartbeat exists).
     */
    private Uni<List<String>> deadProcesses(String agentId, String gone) {
        return reactiveHashes.hkeys(Keys.agentSockets(agentId))
                .onItem().transformToMulti(fields -> Multi.createFrom().iterable(fields))
                .filter(p -> !"_version".equals(p) && !p.equals(gone))
                .onItem().transformToUniAndConcatenate(p -> reactiveKeys.exists(Keys.instance(p)).map(alive -> alive ? "" : p))
                .filter(p -> !p.isEmpty())
                .collect().asList()
                .map(list -> {
                    List<String> out = new ArrayList<>(list);
                    out.add(gone);
                    return out;
                });
    }

    /** Forgets a gone process once none of its agents is left to release and its heartbeat did not come back. */
    public void forgetInstance(String instanceId) {
        if (!keys.exists(Keys.instance(instanceId)) && sets.scard(Keys.instanceAgents(instanceId)) == 0) {
            sets.srem(Keys.INSTANCES, instanceId);
        }
    }

    /**
     * Sets this process's count of an agent's sockets to {@code open} (after its heartbeat had expired), under its new id,
     * and drops the count under its {@code previous} one in the same step.
     */
    public SocketCount resetAgentSockets(String agentId, String instanceId, int open, String previous) {
        if (open > 0) {
            sets.sadd(Keys.instanceAgents(instanceId), agentId);
        }
        Response r = scripts.eval(Scripts.AGENT_SOCKET_RESET, List.of(Keys.agentSockets(agentId)),
                List.of(instanceId, Integer.toString(open), previous == null ? "" : previous)).value();
        return counted(agentId, instanceId, r);
    }

    /** Appends a survey (kind survey), tags (tag) or a used suggestion (suggestion) about a chat, checked against it. */
    public Uni<Outcome> chatEvent(String chatId, String kind, String agentId, String eventId, String type, String time, String data,
                                  String idempotencyField, String answer) {
        return scripts.evalAsync(Scripts.CHAT_EVENT, List.of(Keys.chat(chatId), Keys.chatOutbox(chatId)),
                        List.of(kind, agentId == null ? "" : agentId, eventId, type, time, data,
                                idempotencyField == null ? "" : idempotencyField, answer == null ? "" : answer))
                .map(r -> {
                    String status = r.value().toString();
                    return status.startsWith("replay|") ? new Outcome("replay", status.substring(7), r.emitted())
                            : new Outcome(status, "", r.emitted());
                });
    }

    /** The answer kept for an earlier request with the same Idempotency-Key field on the chat, or null. */
    public String keptAnswer(String chatId, String idempotencyField) {
        return hashes.hget(Keys.chat(chatId), idempotencyField);
    }

    /** Checks a typing signal or records a read receipt (chat.read when it moved forward). */
    public Uni<Outcome> signal(String chatId, String kind, String side, String agentId, String eventId, String time, long upToSeq) {
        return scripts.evalAsync(Scripts.SIGNAL, List.of(Keys.chat(chatId), Keys.chatOutbox(chatId)),
                List.of(kind, side, agentId == null ? "" : agentId, eventId, time, Long.toString(upToSeq))).map(ChatStore::pair);
    }

    /** Counts a chat start from one client address in a one-minute window shared by all instances; returns the count. */
    public long countStart(String address) {
        return scripts.eval(Scripts.RATE_WINDOW, List.of(Keys.startRate(address)), List.of("60000")).value().toLong();
    }

    /** Counts a chat start by one platform in a one-minute window shared by all instances; returns the count. */
    public long countPlatformStart(String subject) {
        return scripts.eval(Scripts.RATE_WINDOW, List.of(Keys.platformStartRate(subject)), List.of("60000")).value().toLong();
    }

    /** The chat's latest suggestions: {@code forSeq} and {@code items} (a JSON array). */
    public record Suggestions(long forSeq, String items) {
    }

    /** Keeps a chat's suggestions for {@code ttl}, unless suggestions for a later message are kept already. */
    public void keepSuggestions(String chatId, long forSeq, String items, Duration ttl) {
        scripts.eval(Scripts.KEEP_SUGGESTIONS, List.of(Keys.suggestions(chatId)),
                List.of(Long.toString(forSeq), items, Long.toString(ttl.toMillis())));
    }

    /** The chat's kept suggestions, or null. */
    public Suggestions suggestions(String chatId) {
        Map<String, String> kept = hashes.hgetall(Keys.suggestions(chatId));
        String forSeq = kept.get("forSeq");
        String items = kept.get("items");
        return forSeq == null || items == null ? null : new Suggestions(Long.parseLong(forSeq), items);
    }

    /** Keeps this process's heartbeat alive for ttl; false when it had expired (or on the first beat). */
    public boolean heartbeat(String instanceId, Duration ttl) {
        boolean was = scripts.eval(Scripts.HEARTBEAT, List.of(Keys.instance(instanceId)),
                List.of(Long.toString(ttl.toSeconds()))).value().toLong() == 1;
        sets.sadd(Keys.INSTANCES, instanceId);
        return was;
    }

    /** Drops a heartbeat this process no longer beats (an id it gave up), so the others release that id at once. */
    public void dropHeartbeat(String instanceId) {
        keys.del(Keys.instance(instanceId));
    }

    /**
     * Appends an event that changes no state (agent.presence.requested) to the outbox of its key's partition: an agent's
     * for agent-events, a chat's otherwise.
     */
    public Uni<Outcome> appendEvent(String id, String type, String key, String topic, String time, String data) {
        String outbox = "agent-events".equals(topic) ? Keys.agentOutbox(key) : Keys.chatOutbox(key);
        return scripts.evalAsync(Scripts.APPEND_EVENT, List.of(outbox), List.of(id, type, key, topic, time, data))
                .map(r -> new Outcome("ok", "", r.emitted()));
    }

    private static Outcome pair(Scripts.Result r) {
        Response v = r.value();
        return new Outcome(v.get(0).toString(), v.get(1).toString(), r.emitted());
    }
}
