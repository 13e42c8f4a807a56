package io.chatroute.session.persistence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.chatroute.session.persistence.Scripts.Emitted;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.hash.HashCommands;
import io.quarkus.redis.datasource.keys.KeyCommands;
import io.quarkus.redis.datasource.list.ListCommands;
import io.quarkus.redis.datasource.set.SetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.SortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ZAddArgs;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The chat state in Redis. Every state change is one Lua script that also appends its events to the outbox and
 * returns them ({@link Outcome#emitted()}), so that the caller publishes them at once. The state changes are
 * non-blocking ({@link Uni}); reads block (worker threads).
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

    public ChatStore(RedisDataSource redis, Scripts scripts) {
        this.scripts = scripts;
        this.hashes = redis.hash(String.class);
        this.lists = redis.list(String.class);
        this.values = redis.value(String.class);
        this.sets = redis.set(String.class);
        this.keys = redis.key(String.class);
        this.sortedSets = redis.sortedSet(String.class);
    }

    public Uni<Outcome> create(String chatId, Map<String, String> fields, String tokenHash, NewEvent requested,
                          NewEvent firstMessage, String clientMsgId, String time,
                          String idempotencyRecordId, String sealedAnswer, Duration idempotencyTtl, String requestHash,
                          Duration tokenTtl) {
        boolean idem = idempotencyRecordId != null;
        return scripts.evalAsync(Scripts.CREATE_CHAT,
                List.of(Keys.chat(chatId), Keys.visitorToken(tokenHash), Keys.messages(chatId), Keys.clientMsgs(chatId),
                        Keys.OUTBOX, idem ? Keys.idempotency(idempotencyRecordId) : Keys.idempotency("none")),
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
                List.of(Keys.chat(chatId), Keys.messages(chatId), Keys.clientMsgs(chatId), Keys.OUTBOX),
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
                List.of(Keys.chat(chatId), Keys.OUTBOX, Keys.messages(chatId), Keys.clientMsgs(chatId), Keys.visitorsSeen(chatId)),
                List.of(by, agentId == null ? "" : agentId, eventId, time, Long.toString(retention.toSeconds()), reason == null ? "" : reason,
                        chatId, cutoff, now))
                .map(r -> new Outcome(r.value().toString(), "", r.emitted()));
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
        for (int i = 0; i < Keys.VISITORS_SEEN_SHARDS && gone.size() < limit; i++) {
            int shard = Math.floorMod(firstShard + i, Keys.VISITORS_SEEN_SHARDS);
            gone.addAll(sortedSets.zrangebyscore(Keys.visitorsSeenShard(shard), ScoreRange.from(Double.NEGATIVE_INFINITY, (double) cutoffMillis),
                    new ZRangeArgs().limit(0, limit - gone.size())));
        }
        return gone;
    }

    public Uni<Outcome> answerOffer(String chatId, boolean accept, String agentId, String eventId, String time, String reason) {
        return scripts.evalAsync(Scripts.ANSWER_OFFER, List.of(Keys.chat(chatId), Keys.OUTBOX),
                List.of(accept ? "accept" : "decline", agentId, eventId, time, reason == null ? "" : reason)).map(ChatStore::pair);
    }

    /** Applies a consumed event once: 1 applied, 0 already processed, 2 skipped. */
    public long project(String eventId, String chatId, Duration markerTtl, String statuses, String offerId, Map<String, String> fields) {
        List<String> args = new ArrayList<>();
        args.add(Long.toString(markerTtl.toSeconds()));
        args.add(statuses);
        args.add(offerId == null ? "" : offerId);
        fields.forEach((k, v) -> {
            args.add(k);
            args.add(v == null ? "" : v);
        });
        return scripts.eval(Scripts.PROJECT, List.of(Keys.processed(eventId), Keys.chat(chatId)), args).value().toLong();
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
     * The chats still offered to or held by the agent, in one script: the agent's index without the entries that no
     * longer are (those are dropped from it).
     */
    public List<String> liveAgentChats(String agentId) {
        List<String> out = new ArrayList<>();
        Response left = scripts.eval(Scripts.AGENT_CHATS, List.of(Keys.agentChats(agentId)), List.of(agentId, Keys.chat(""))).value();
        for (Response id : left) {
            out.add(id.toString());
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

    /** Counts an agent socket opened (+1) or closed (-1) on this instance. */
    public SocketCount agentSocket(String agentId, String instanceId, int delta) {
        Response r = scripts.eval(Scripts.AGENT_SOCKET, List.of(Keys.agentSockets(agentId), Keys.instanceAgents(instanceId)),
                List.of(instanceId, Integer.toString(delta), agentId)).value();
        return new SocketCount(r.get(0).toLong(), r.get(1).toLong());
    }

    /** The processes that counted agent sockets and were not yet released. */
    public Set<String> instances() {
        return sets.smembers(Keys.INSTANCES);
    }

    public boolean instanceAlive(String instanceId) {
        return keys.exists(Keys.instance(instanceId));
    }

    /** The agents a process still counts sockets of. */
    public Set<String> instanceAgents(String instanceId) {
        return sets.smembers(Keys.instanceAgents(instanceId));
    }

    /**
     * Releases what a gone process counted for one agent: status {@code offline} when that left the agent with no socket
     * on a live process (OFFLINE, reason disconnected, then went to the outbox in the same step), {@code live} or {@code none}.
     */
    public Uni<Outcome> instanceGone(String instanceId, String agentId, String eventId, String time) {
        return scripts.evalAsync(Scripts.INSTANCE_GONE,
                        List.of(Keys.agentSockets(agentId), Keys.instanceAgents(instanceId), Keys.OUTBOX, Keys.instance(instanceId)),
                        List.of(instanceId, agentId, eventId, time))
                .map(r -> new Outcome(r.value().toString(), "", r.emitted()));
    }

    /** Forgets a gone process once none of its agents is left to release and its heartbeat did not come back. */
    public void forgetInstance(String instanceId) {
        scripts.eval(Scripts.INSTANCE_FORGET, List.of(Keys.INSTANCES, Keys.instanceAgents(instanceId), Keys.instance(instanceId)),
                List.of(instanceId));
    }

    /** Sets this process's count of an agent's sockets to {@code open} (after its heartbeat had expired). */
    public SocketCount resetAgentSockets(String agentId, String instanceId, int open) {
        Response r = scripts.eval(Scripts.AGENT_SOCKET_RESET, List.of(Keys.agentSockets(agentId), Keys.instanceAgents(instanceId)),
                List.of(instanceId, Integer.toString(open), agentId)).value();
        return new SocketCount(r.get(0).toLong(), r.get(1).toLong());
    }

    /** Appends a survey (kind survey), tags (tag) or a used suggestion (suggestion) about a chat, checked against it. */
    public Uni<Outcome> chatEvent(String chatId, String kind, String agentId, String eventId, String type, String time, String data,
                                  String idempotencyField, String answer) {
        return scripts.evalAsync(Scripts.CHAT_EVENT, List.of(Keys.chat(chatId), Keys.OUTBOX),
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
        return scripts.evalAsync(Scripts.SIGNAL, List.of(Keys.chat(chatId), Keys.OUTBOX),
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
        return scripts.eval(Scripts.HEARTBEAT, List.of(Keys.instance(instanceId), Keys.INSTANCES),
                List.of(instanceId, Long.toString(ttl.toSeconds()))).value().toLong() == 1;
    }

    /** Appends an event that changes no state (agent.presence.requested) to the outbox. */
    public Uni<Outcome> appendEvent(String id, String type, String key, String topic, String time, String data) {
        return scripts.evalAsync(Scripts.APPEND_EVENT, List.of(Keys.OUTBOX), List.of(id, type, key, topic, time, data))
                .map(r -> new Outcome("ok", "", r.emitted()));
    }

    private static Outcome pair(Scripts.Result r) {
        Response v = r.value();
        return new Outcome(v.get(0).toString(), v.get(1).toString(), r.emitted());
    }
}
