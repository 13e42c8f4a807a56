package io.chatroute.routing.persistence;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.AgentProfile;
import io.chatroute.routing.domain.FormDefinition;
import io.chatroute.routing.domain.LiveStats;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.RoutingRule;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * All routing state in Redis (keys {@code routing:*}, see architecture.md). Blocking API: call it from worker
 * threads only (REST resources returning plain objects, @Blocking consumers, scheduled jobs, the relay thread).
 */
@ApplicationScoped
public class RoutingStore {
    public static final String OUTBOX = "routing:outbox";
    public static final String LEASE = "routing:outbox:lease";
    public static final String DEADLINES = "routing:offer-deadlines";

    private final RedisDataSource redis;
    private final Redis lowLevel;
    private final ObjectMapper json;
    private final RoutingConfig config;
    private final OutboxPublisher publisher;
    private final ReentrantLock[] stripes = new ReentrantLock[256];

    public RoutingStore(RedisDataSource redis, Redis lowLevel, ObjectMapper json, RoutingConfig config, OutboxPublisher publisher) {
        this.redis = redis;
        this.lowLevel = lowLevel;
        this.json = json;
        this.config = config;
        this.publisher = publisher;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    // ------------------------------------------------------------ forms, queues, rules

    /*
     * Forms, queues and rules change by admin PUTs, rarely, and are read on every chat start and dispatch: they are
     * cached in this process for chatroute.routing.config-cache-millis (1 s). A PUT on this instance is seen at
     * once; another instance sees it within that time.
     */
    private record Cached<T>(T value, long at) {
        boolean fresh(long ttl) {
            return System.currentTimeMillis() - at < ttl;
        }
    }

    private final Map<String, Cached<Optional<FormDefinition>>> formCache = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Cached<Map<String, QueueDefinition>> queueCache;
    private volatile Cached<List<RoutingRule>> ruleCache;

    public void saveForm(String id, FormDefinition form) {
        redis.value(String.class).set("routing:form:" + id, write(form));
        redis.set(String.class).sadd("routing:forms", id);
        formCache.remove(id);
    }

    public Optional<FormDefinition> form(String id) {
        Cached<Optional<FormDefinition>> c = formCache.get(id);
        if (c != null && c.fresh(config.configCacheMillis())) {
            return c.value();
        }
        Optional<FormDefinition> f = Optional.ofNullable(redis.value(String.class).get("routing:form:" + id))
                .map(s -> read(s, FormDefinition.class));
        if (formCache.size() < 10_000) {
            formCache.put(id, new Cached<>(f, System.currentTimeMillis()));
        }
        return f;
    }

    public Map<String, FormDefinition> forms() {
        Map<String, FormDefinition> out = new TreeMap<>();
        for (String id : redis.set(String.class).smembers("routing:forms")) {
            form(id).ifPresent(f -> out.put(id, f));
        }
        return out;
    }

    public void saveQueue(QueueDefinition queue) {
        redis.value(String.class).set("routing:queue:" + queue.id(), write(queue));
        redis.set(String.class).sadd("routing:queues", queue.id());
        queueCache = null;
    }

    public Optional<QueueDefinition> queue(String id) {
        return Optional.ofNullable(queues().get(id));
    }

    /** Every queue (cached; read in two round trips, SMEMBERS and one MGET, whatever their number). */
    public Map<String, QueueDefinition> queues() {
        Cached<Map<String, QueueDefinition>> c = queueCache;
        if (c != null && c.fresh(config.configCacheMillis())) {
            return c.value();
        }
        Map<String, QueueDefinition> fresh = java.util.Collections.unmodifiableMap(readQueues());
        queueCache = new Cached<>(fresh, System.currentTimeMillis());
        return fresh;
    }

    private Map<String, QueueDefinition> readQueues() {
        Map<String, QueueDefinition> out = new TreeMap<>();
        List<String> ids = new ArrayList<>(redis.set(String.class).smembers("routing:queues"));
        if (ids.isEmpty()) {
            return out;
        }
        Map<String, String> values = redis.value(String.class).mget(ids.stream().map(id -> "routing:queue:" + id).toArray(String[]::new));
        for (String id : ids) {
            String v = values.get("routing:queue:" + id);
            if (v != null) {
                out.put(id, read(v, QueueDefinition.class));
            }
        }
        return out;
    }

    public Set<String> queueIds() {
        return redis.set(String.class).smembers("routing:queues");
    }

    public void saveRules(List<RoutingRule> rules) {
        redis.value(String.class).set("routing:rules", write(rules));
        ruleCache = null;
    }

    public List<RoutingRule> rules() {
        Cached<List<RoutingRule>> c = ruleCache;
        if (c != null && c.fresh(config.configCacheMillis())) {
            return c.value();
        }
        String s = redis.value(String.class).get("routing:rules");
        List<RoutingRule> rules = s == null ? List.of() : List.copyOf(read(s, new TypeReference<List<RoutingRule>>() { }));
        ruleCache = new Cached<>(rules, System.currentTimeMillis());
        return rules;
    }

    // ------------------------------------------------------------ agents

    public record Outcome(String code, List<String> values) {
        public String value(int i) {
            return values.size() > i ? values.get(i) : null;
        }
    }

    public Outcome upsertAgent(String id, AgentProfile profile, Instant now) {
        return eval(Scripts.UPSERT_AGENT, id, write(profile), write(profile.skillsOrEmpty()), String.valueOf(profile.cap()),
                String.valueOf(now.toEpochMilli()), now.toString(), uuid());
    }

    public Optional<AgentRecord> agent(String id) {
        Map<String, String> h = redis.hash(String.class).hgetall("routing:agent:" + id);
        if (h == null || h.isEmpty() || h.get("profile") == null) {
            return Optional.empty();
        }
        AgentProfile p = read(h.get("profile"), AgentProfile.class);
        return Optional.of(new AgentRecord(id, p, Optional.ofNullable(Presence.parse(h.get("status"))).orElse(Presence.OFFLINE),
                intOf(h.get("active")), intOf(h.get("max")), longOf(h.get("lastAssignedAt")), longOf(h.get("statusSince")),
                longOf(h.get("idleSince"))));
    }

    /** Every agent, sorted by id: two round trips (SMEMBERS, then one pipelined batch of HMGETs) whatever their number. */
    public List<AgentRecord> agents() {
        List<String> ids = agentIds();
        if (ids.isEmpty()) {
            return new ArrayList<>();
        }
        List<Request> batch = new ArrayList<>(ids.size());
        for (String id : ids) {
            batch.add(agentRow(id));
        }
        return agentRecords(ids, lowLevel.batchAndAwait(batch), 0);
    }

    private List<String> agentIds() {
        return new ArrayList<>(new java.util.TreeSet<>(redis.set(String.class).smembers("routing:agents")));
    }

    private static Request agentRow(String id) {
        return Request.cmd(Command.HMGET).arg("routing:agent:" + id).arg("profile").arg("status").arg("active").arg("max")
                .arg("lastAssignedAt").arg("statusSince").arg("idleSince");
    }

    /** The agents of {@code ids} from the replies of {@link #agentRow} at {@code rows[from..]} (deleted agents skipped). */
    private List<AgentRecord> agentRecords(List<String> ids, List<Response> rows, int from) {
        List<AgentRecord> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            Response r = rows.get(from + i);
            if (r == null || r.get(0) == null) {
                continue;
            }
            AgentProfile p = read(r.get(0).toString(), AgentProfile.class);
            out.add(new AgentRecord(ids.get(i), p, Optional.ofNullable(Presence.parse(str(r.get(1)))).orElse(Presence.OFFLINE),
                    intOf(str(r.get(2))), intOf(str(r.get(3))), longOf(str(r.get(4))), longOf(str(r.get(5))), longOf(str(r.get(6)))));
        }
        return out;
    }

    // ------------------------------------------------------------ live stats

    /** Every agent and, per queue asked for, its waiting set and the day's counters (absent queues read as empty). */
    public record LiveSnapshot(List<AgentRecord> agents, Map<String, LiveStats.QueueState> queues) {
    }

    /** The service-level counters of a queue for one UTC day (a hash, written by accept.lua and close.lua). */
    public static String statsKey(String queueId, LocalDate day) {
        return "routing:stats:queue:" + queueId + ":" + day;
    }

    /**
     * Live figures in two round trips whatever the number of agents, queues and chats: SMEMBERS of the agents, then one
     * pipelined batch of an HMGET per agent and, per queue, ZCARD and the oldest entry of its waiting set and an HMGET
     * of the day's counters. Nothing is read per chat.
     */
    public LiveSnapshot live(Collection<String> queueIds, LocalDate day) {
        List<String> ids = agentIds();
        List<String> queues = new ArrayList<>(queueIds);
        List<Request> batch = new ArrayList<>(ids.size() + 3 * queues.size());
        for (String id : ids) {
            batch.add(agentRow(id));
        }
        for (String q : queues) {
            String wk = "routing:queue:" + q + ":waiting";
            batch.add(Request.cmd(Command.ZCARD).arg(wk));
            batch.add(Request.cmd(Command.ZRANGE).arg(wk).arg(0).arg(0).arg("WITHSCORES"));
            batch.add(Request.cmd(Command.HMGET).arg(statsKey(q, day)).arg("answered").arg("answeredWithinTarget").arg("abandoned")
                    .arg("answerWaitMs"));
        }
        if (batch.isEmpty()) {
            return new LiveSnapshot(List.of(), Map.of());
        }
        List<Response> rows = lowLevel.batchAndAwait(batch);
        List<AgentRecord> agents = agentRecords(ids, rows, 0);
        Map<String, LiveStats.QueueState> out = new HashMap<>();
        for (int i = 0; i < queues.size(); i++) {
            int at = ids.size() + 3 * i;
            Response counters = rows.get(at + 2);
            out.put(queues.get(i), new LiveStats.QueueState(rows.get(at).toLong(), oldestScore(rows.get(at + 1)),
                    longOf(str(counters.get(0))), longOf(str(counters.get(1))), longOf(str(counters.get(2))), longOf(str(counters.get(3)))));
        }
        return new LiveSnapshot(agents, out);
    }

    /** The score of a one-entry ZRANGE WITHSCORES reply: RESP2 gives [member, score], RESP3 [[member, score]]; 0 when empty. */
    private static long oldestScore(Response r) {
        if (r == null || r.size() == 0) {
            return 0;
        }
        Response first = r.get(0);
        Response score = first != null && first.type() == io.vertx.redis.client.ResponseType.MULTI ? first.get(1) : r.get(1);
        return score == null ? 0 : (long) Double.parseDouble(score.toString());
    }

    private static String str(Response r) {
        return r == null ? null : r.toString();
    }

    public Outcome setPresence(String agentId, Presence status, String processedId, Instant now) {
        return eval(Scripts.PRESENCE, agentId, status.name(), String.valueOf(now.toEpochMilli()), now.toString(), uuid(),
                nz(processedId), String.valueOf(config.processedTtlSeconds()));
    }

    // ------------------------------------------------------------ chats

    public Map<String, String> chat(String chatId) {
        Map<String, String> h = redis.hash(String.class).hgetall("routing:chat:" + chatId);
        return h == null ? Map.of() : h;
    }

    /** The hashes of several chats in one pipelined round trip (empty maps for unknown chats), in order. */
    public List<Map<String, String>> chats(List<String> chatIds) {
        List<Request> batch = new ArrayList<>(chatIds.size());
        for (String id : chatIds) {
            batch.add(Request.cmd(Command.HGETALL).arg("routing:chat:" + id));
        }
        List<Map<String, String>> out = new ArrayList<>(chatIds.size());
        for (Response r : lowLevel.batchAndAwait(batch)) {
            out.add(hash(r));
        }
        return out;
    }

    /** A hash reply as a map (vert.x reads a RESP3 map and a RESP2 flat array of pairs alike). */
    private static Map<String, String> hash(Response r) {
        Map<String, String> out = new HashMap<>();
        if (r != null && r.size() > 0) {
            for (String k : r.getKeys()) {
                out.put(k, str(r.get(k)));
            }
        }
        return out;
    }

    public List<String> decisions(String chatId) {
        return redis.list(String.class).lrange("routing:chat:" + chatId + ":decisions", 0, -1);
    }

    /** Appends a non-atomic note (e.g. "declined", "assigned") to the chat's routing record (the latest 20 kept). */
    public void appendDecision(String chatId, Map<String, Object> step) {
        String key = "routing:chat:" + chatId + ":decisions";
        lowLevel.batchAndAwait(List.of(Request.cmd(Command.RPUSH).arg(key).arg(write(step)),
                Request.cmd(Command.LTRIM).arg(key).arg(-20).arg(-1)));
    }

    public Outcome enqueue(String chatId, String processedId, String queueId, String ruleId, Map<String, Integer> skills, int priority,
                           Instant now, Map<String, Object> request, Map<String, Object> decision, Map<String, Object> queuedTemplate,
                           long freeSlots) {
        return eval(Scripts.ENQUEUE, chatId, nz(processedId), String.valueOf(config.processedTtlSeconds()), queueId, ruleId,
                write(skills), String.valueOf(priority), String.valueOf(now.toEpochMilli()), write(request), write(decision), uuid(),
                now.toString(), write(queuedTemplate), String.valueOf(freeSlots));
    }

    /** Takes the chat's place in the queue at evaluation: RESERVED and its 1-based rank, or the state it already has. */
    public Outcome reserve(String chatId, String queueId, Instant now) {
        return eval(Scripts.RESERVE, chatId, queueId, String.valueOf(now.toEpochMilli()));
    }

    /** Drops the reservation when it is still unconfirmed and older than the cut-off: DROPPED or KEPT. */
    public Outcome unreserve(String chatId, Instant olderThan) {
        return eval(Scripts.UNRESERVE, chatId, String.valueOf(olderThan.toEpochMilli()));
    }

    public Outcome claim(String chatId, String agentId, String offerId, Instant now, Instant expires, String offeredJson,
                         Map<String, Object> decision) {
        return eval(Scripts.CLAIM, chatId, agentId, offerId, String.valueOf(now.toEpochMilli()), String.valueOf(expires.toEpochMilli()),
                uuid(), offeredJson, uuid(), now.toString(), write(decision));
    }

    public Outcome accept(String chatId, String agentId, String offerId, Instant now, String assignedJson, String processedId) {
        return eval(Scripts.ACCEPT, chatId, agentId, nz(offerId), String.valueOf(now.toEpochMilli()), now.toString(), uuid(),
                assignedJson, nz(processedId), String.valueOf(config.processedTtlSeconds()), utcDay(now).toString(),
                String.valueOf(config.statsRetentionSeconds()));
    }

    /** Releases an offered chat back to the head of its queue: mode "decline" (agent said no) or "timeout" (deadline passed). */
    public Outcome release(String chatId, String offerId, String agentId, String mode, Instant now, String processedId) {
        return eval(Scripts.RELEASE, chatId, nz(offerId), nz(agentId), mode, String.valueOf(now.toEpochMilli()), now.toString(), uuid(),
                uuid(), nz(processedId), String.valueOf(config.processedTtlSeconds()), config.awayOnMissedOffer() ? uuid() : "",
                String.valueOf(config.missedOffersBeforeAway()));
    }

    public Outcome close(String chatId, Instant now, String processedId) {
        return eval(Scripts.CLOSE, chatId, String.valueOf(now.toEpochMilli()), now.toString(), uuid(), nz(processedId),
                String.valueOf(config.processedTtlSeconds()), String.valueOf(config.closedRetentionSeconds()), utcDay(now).toString(),
                String.valueOf(config.statsRetentionSeconds()));
    }

    public List<String> waiting(String queueId, int limit) {
        return redis.sortedSet(String.class).zrange("routing:queue:" + queueId + ":waiting", 0, limit - 1);
    }

    public long waitingCount(String queueId) {
        return redis.sortedSet(String.class).zcard("routing:queue:" + queueId + ":waiting");
    }

    public List<String> dueOffers(Instant now, int limit) {
        Response r = redis.execute("ZRANGEBYSCORE", DEADLINES, "-inf", String.valueOf(now.toEpochMilli()), "LIMIT", "0", String.valueOf(limit));
        return strings(r);
    }

    // ------------------------------------------------------------ outbox

    public record OutboxEntry(String streamId, Map<String, String> fields) {
    }

    public void deleteOutbox(String... streamIds) {
        redis.stream(String.class).xdel(OUTBOX, streamIds);
    }

    public boolean acquireLease(String owner, long ttlMillis) {
        Response r = evalsha(Scripts.LEASE, LEASE, owner, String.valueOf(ttlMillis));
        return r != null && r.toLong() == 1L;
    }

    /** Acquires or renews a named lease (e.g. the live-stats publisher's): true while {@code owner} holds it. */
    public boolean acquireLease(String key, String owner, long ttlMillis) {
        Response r = evalsha(Scripts.LEASE, key, owner, String.valueOf(ttlMillis));
        return r != null && r.toLong() == 1L;
    }

    public void releaseLease(String owner) {
        evalsha(Scripts.UNLEASE, LEASE, owner);
    }

    /** Outbox entries appended before cutoff (older than the relay's grace period), oldest first. */
    public List<OutboxEntry> readOutboxBefore(long cutoffMillis, int count) {
        List<OutboxEntry> out = new ArrayList<>();
        for (StreamMessage<String, String, String> m : redis.stream(String.class).xrange(OUTBOX,
                StreamRange.of("-", Long.toString(cutoffMillis)), count)) {
            out.add(new OutboxEntry(m.id(), m.payload()));
        }
        return out;
    }

    // ------------------------------------------------------------ helpers

    /**
     * Runs a state-changing script and publishes the events it appended, holding the lock of the stripe of its
     * first argument (the chat or agent id), so this instance hands a chat's events to the producer in commit order.
     */
    private Outcome eval(Scripts.Script script, String... args) {
        ReentrantLock lock = stripes[Math.floorMod(args[0].hashCode(), stripes.length)];
        lock.lock();
        try {
            Response r = evalsha(script, args);
            List<String> values = strings(r.get(0));
            List<OutboxPublisher.Entry> emitted = new ArrayList<>();
            for (Response e : r.get(1)) {
                emitted.add(new OutboxPublisher.Entry(e.get(0).toString(), e.get(1).toString(), e.get(2).toString(),
                        e.get(3).toString(), e.get(4).toString(), e.get(5).toString(), e.get(6).toString()));
            }
            if (!emitted.isEmpty()) {
                publisher.publish(emitted);
            }
            return new Outcome(values.isEmpty() ? "" : values.getFirst(), values.size() > 1 ? values.subList(1, values.size()) : List.of());
        } finally {
            lock.unlock();
        }
    }

    /** EVALSHA, loading the script with EVAL when this Redis does not know it yet. */
    private Response evalsha(Scripts.Script script, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = script.sha();
        all[1] = "0";
        System.arraycopy(args, 0, all, 2, args.length);
        try {
            return redis.execute("EVALSHA", all);
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("NOSCRIPT")) {
                throw e;
            }
            all[0] = script.source();
            return redis.execute("EVAL", all);
        }
    }

    private static List<String> strings(Response r) {
        List<String> out = new ArrayList<>();
        if (r != null) {
            for (Response item : r) {
                out.add(item == null ? null : item.toString());
            }
        }
        return out;
    }

    public String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public <T> T read(String s, Class<T> type) {
        try {
            return json.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt routing record", e);
        }
    }

    public <T> T read(String s, TypeReference<T> type) {
        try {
            return json.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt routing record", e);
        }
    }

    public Map<String, Object> readMap(String s) {
        return s == null ? new LinkedHashMap<>() : read(s, new TypeReference<LinkedHashMap<String, Object>>() { });
    }

    public Map<String, Integer> readSkills(String s) {
        return s == null ? new HashMap<>() : read(s, new TypeReference<TreeMap<String, Integer>>() { });
    }

    /** The UTC calendar day of an instant (the service-level counters' day). */
    public static LocalDate utcDay(Instant now) {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String uuid() {
        return UUID.randomUUID().toString();
    }

    private static int intOf(String s) {
        return s == null ? 0 : Integer.parseInt(s);
    }

    private static long longOf(String s) {
        return s == null ? 0 : Long.parseLong(s);
    }
}
