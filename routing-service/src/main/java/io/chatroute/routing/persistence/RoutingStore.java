package io.chatroute.routing.persistence;

import java.time.Duration;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

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
import io.chatroute.routing.domain.Target;
import io.quarkus.redis.datasource.RedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * All routing state in Redis ({@link Keys}). Every change is one Lua script on the keys of one partition (a chat, an
 * agent or a queue); the events it appends are published at once ({@link OutboxPublisher}) and the timers it schedules
 * armed ({@link TimerScheduler}). Two APIs: the {@code …Async} methods send their commands on the reactive client and
 * never block (the hot paths: a chat's start, offers, accepts, closes, dispatch); the others wait for the same calls
 * and are for worker threads only (configuration, presence, transfers, timers, sweeps, the REST reads).
 */
@ApplicationScoped
public class RoutingStore {
    /**
     * How long a queue remembers that a chat's epoch left it ({@link Keys#gone}): far longer than a step can take between
     * reading a chat and writing its waiting entry (milliseconds, a handler retried over a Redis outage included).
     */
    static final long GONE_RETENTION_MILLIS = 15 * 60_000L;

    private final RedisDataSource redis;
    private final Redis lowLevel;
    private final ObjectMapper json;
    private final RoutingConfig config;
    private final OutboxPublisher publisher;
    private final TimerScheduler timers;
    private final Keys keys;
    private final SerialStripes stripes = new SerialStripes(256);
    /** How long a blocking caller waits for one Redis answer (Quarkus's {@code quarkus.redis.timeout}, as its blocking client). */
    private final Duration timeout;
    private final Pipelines pipelines;

    public RoutingStore(RedisDataSource redis, Redis lowLevel, ObjectMapper json, RoutingConfig config, OutboxPublisher publisher,
                        TimerScheduler timers) {
        this.redis = redis;
        this.lowLevel = lowLevel;
        this.json = json;
        this.config = config;
        this.publisher = publisher;
        this.timers = timers;
        this.keys = new Keys(config.partitions());
        this.timeout = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.redis.timeout", Duration.class).orElse(Duration.ofSeconds(10));
        this.pipelines = new Pipelines(lowLevel, "cluster".equals(org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.redis.client-type", String.class).orElse("standalone")));
    }

    /** Pipelined requests, split by slot on a Redis Cluster ({@link Pipelines}). */
    public Pipelines pipelines() {
        return pipelines;
    }

    public Keys keys() {
        return keys;
    }

    /**
     * The partition count decides every key name: the first instance records it, every later one must use the same
     * (a different count would not find the state).
     */
    public void checkPartitions() {
        String want = String.valueOf(keys.partitions());
        Boolean set = redis.value(String.class).setnx(Keys.PARTITIONS, want);
        String have = redis.value(String.class).get(Keys.PARTITIONS);
        if (!Boolean.TRUE.equals(set) && !want.equals(have)) {
            throw new IllegalStateException("chatroute.routing.partitions is " + want + " but this Redis holds routing state of "
                    + have + " partitions; use " + have);
        }
    }

    // ------------------------------------------------------------ forms, queues, rules, targets

    /*
     * Forms, queues, rules and targets change by admin PUTs, rarely, and are read on every chat start and dispatch:
     * they are cached in this process for chatroute.routing.config-cache-millis (1 s). A PUT on this instance is seen
     * at once; another instance sees it within that time. "At once" holds against a read running beside the PUT: every
     * write bumps the generation after it is stored, and an entry counts only while the generation it was read under
     * is the current one (before, a read that began before a PUT and finished after it cached the old value for 1 s).
     */
    private record Cached<T>(T value, long at, long generation) {
    }

    private final java.util.concurrent.atomic.AtomicLong configGeneration = new java.util.concurrent.atomic.AtomicLong();

    private <T> boolean fresh(Cached<T> c) {
        return c != null && c.generation() == configGeneration.get()
                && System.currentTimeMillis() - c.at() < config.configCacheMillis();
    }

    private <T> Cached<T> cached(T value, long generation) {
        return new Cached<>(value, System.currentTimeMillis(), generation);
    }

    /** After a configuration write is stored: every entry read before it is stale. */
    private void configChanged() {
        configGeneration.incrementAndGet();
    }

    private final Map<String, Cached<Optional<FormDefinition>>> formCache = new ConcurrentHashMap<>();
    private volatile Cached<Map<String, QueueDefinition>> queueCache;
    private volatile Map<String, QueueDefinition> lastQueues = Map.of();
    private volatile Cached<List<RoutingRule>> ruleCache;
    private volatile Cached<Map<String, Target>> targetCache;

    public void saveForm(String id, FormDefinition form) {
        redis.value(String.class).set(Keys.PREFIX + "form:" + id, write(form));
        redis.set(String.class).sadd(Keys.PREFIX + "forms", id);
        configChanged();
        formCache.remove(id);
    }

    public Optional<FormDefinition> form(String id) {
        Cached<Optional<FormDefinition>> c = formCache.get(id);
        return fresh(c) ? c.value() : await(formAsync(id));
    }

    /** As {@link #form}, without blocking when the cache must be read again. */
    public Uni<Optional<FormDefinition>> formAsync(String id) {
        Cached<Optional<FormDefinition>> c = formCache.get(id);
        if (fresh(c)) {
            return Uni.createFrom().item(c.value());
        }
        long generation = configGeneration.get();
        return lowLevel.send(Request.cmd(Command.GET).arg(Keys.PREFIX + "form:" + id)).map(r -> {
            Optional<FormDefinition> f = Optional.ofNullable(str(r)).map(s -> read(s, FormDefinition.class));
            if (formCache.size() < 10_000) {
                formCache.put(id, cached(f, generation));
            }
            return f;
        });
    }

    public Map<String, FormDefinition> forms() {
        Map<String, FormDefinition> out = new TreeMap<>();
        for (String id : redis.set(String.class).smembers(Keys.PREFIX + "forms")) {
            form(id).ifPresent(f -> out.put(id, f));
        }
        return out;
    }

    public void saveQueue(QueueDefinition queue) {
        redis.value(String.class).set(Keys.PREFIX + "queue:" + queue.id(), write(queue));
        redis.set(String.class).sadd(Keys.PREFIX + "queues", queue.id());
        configChanged();
        queueCache = null;
    }

    public Optional<QueueDefinition> queue(String id) {
        return Optional.ofNullable(id == null ? null : queues().get(id));
    }

    /** Every queue (cached; read in two round trips, SMEMBERS and one MGET (on a cluster, one GET each, pipelined), whatever their number). */
    public Map<String, QueueDefinition> queues() {
        Cached<Map<String, QueueDefinition>> c = queueCache;
        return fresh(c) ? c.value() : await(queuesAsync());
    }

    /**
     * The queue definitions last read, however old (empty before the first read); never waits. For choices that may
     * use a definition a moment old (the order of dispatch passes).
     */
    public Map<String, QueueDefinition> lastKnownQueues() {
        return lastQueues;
    }

    /** As {@link #queues()}, without blocking when the cache must be read again. */
    public Uni<Map<String, QueueDefinition>> queuesAsync() {
        Cached<Map<String, QueueDefinition>> c = queueCache;
        if (fresh(c)) {
            return Uni.createFrom().item(c.value());
        }
        long generation = configGeneration.get();
        return lowLevel.send(Request.cmd(Command.SMEMBERS).arg(Keys.PREFIX + "queues")).chain(members -> {
            List<String> ids = strings(members);
            if (ids.isEmpty()) {
                return Uni.createFrom().item(List.<String>of());
            }
            if (pipelines.cluster()) {
                // the cluster client splits an MGET whose keys span slots and joins the answers node by node, not in
                // the keys' order (found on a real cluster: queues read with one another's definitions): one GET each
                List<Request> gets = new ArrayList<>(ids.size());
                ids.forEach(id -> gets.add(Request.cmd(Command.GET).arg(Keys.PREFIX + "queue:" + id)));
                return pipelines.batch(gets).map(values -> {
                    List<String> row = new ArrayList<>(ids.size());
                    for (int i = 0; i < ids.size(); i++) {
                        row.add(ids.get(i));
                        row.add(str(values.get(i)));
                    }
                    return row;
                });
            }
            Request mget = Request.cmd(Command.MGET);
            ids.forEach(id -> mget.arg(Keys.PREFIX + "queue:" + id));
            return lowLevel.send(mget).map(values -> {
                List<String> row = new ArrayList<>(ids.size());
                for (int i = 0; i < ids.size(); i++) {
                    row.add(ids.get(i));
                    row.add(str(values.get(i)));
                }
                return row;
            });
        }).map(pairs -> {
            Map<String, QueueDefinition> out = new TreeMap<>();
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                if (pairs.get(i + 1) != null) {
                    out.put(pairs.get(i), read(pairs.get(i + 1), QueueDefinition.class));
                }
            }
            Map<String, QueueDefinition> fresh = java.util.Collections.unmodifiableMap(out);
            queueCache = cached(fresh, generation);
            lastQueues = fresh;
            return fresh;
        });
    }

    public Set<String> queueIds() {
        return redis.set(String.class).smembers(Keys.PREFIX + "queues");
    }

    public void saveRules(List<RoutingRule> rules) {
        redis.value(String.class).set(Keys.PREFIX + "rules", write(rules));
        configChanged();
        ruleCache = null;
    }

    public List<RoutingRule> rules() {
        Cached<List<RoutingRule>> c = ruleCache;
        return fresh(c) ? c.value() : await(rulesAsync());
    }

    /** As {@link #rules()}, without blocking when the cache must be read again. */
    public Uni<List<RoutingRule>> rulesAsync() {
        Cached<List<RoutingRule>> c = ruleCache;
        if (fresh(c)) {
            return Uni.createFrom().item(c.value());
        }
        long generation = configGeneration.get();
        return lowLevel.send(Request.cmd(Command.GET).arg(Keys.PREFIX + "rules")).map(r -> {
            String s = str(r);
            List<RoutingRule> rules = s == null ? List.of() : List.copyOf(read(s, new TypeReference<List<RoutingRule>>() { }));
            ruleCache = cached(rules, generation);
            return rules;
        });
    }

    /** Every known routing target, by id (cached like the configuration). */
    public Map<String, Target> targets() {
        Cached<Map<String, Target>> c = targetCache;
        return fresh(c) ? c.value() : await(targetsAsync());
    }

    /** As {@link #targets()}, without blocking when the cache must be read again. */
    public Uni<Map<String, Target>> targetsAsync() {
        Cached<Map<String, Target>> c = targetCache;
        if (fresh(c)) {
            return Uni.createFrom().item(c.value());
        }
        long generation = configGeneration.get();
        return lowLevel.send(Request.cmd(Command.HGETALL).arg(Keys.TARGETS)).map(r -> {
            Map<String, Target> out = new TreeMap<>();
            hash(r).forEach((id, v) -> out.put(id, read(v, Target.class)));
            Map<String, Target> fresh = java.util.Collections.unmodifiableMap(out);
            targetCache = cached(fresh, generation);
            return fresh;
        });
    }

    /** Records a target; true when it is new (its index must then be built). */
    public boolean registerTarget(Target t) {
        boolean added = redis.hash(String.class).hsetnx(Keys.TARGETS, t.id(), write(t));
        if (added) {
            configChanged();
            targetCache = null;
        }
        return added;
    }

    public void unregisterTarget(Target t) {
        redis.hash(String.class).hdel(Keys.TARGETS, t.id());
        configChanged();
        targetCache = null;
    }

    // ------------------------------------------------------------ agents

    /** A script's result: its code and values, and whether it answered from an idempotency marker. */
    public record Outcome(String code, List<String> values, boolean replay) {
        public String value(int i) {
            return values.size() > i ? values.get(i) : null;
        }

        /** The same result taken as a replay: its follow-up runs again and counts nothing a second time. */
        public Outcome asReplay() {
            return new Outcome(code, values, true);
        }
    }

    public record AgentOutcome(Outcome outcome, AgentState state) {
        public String code() {
            return outcome.code();
        }

        public String value(int i) {
            return outcome.value(i);
        }
    }

    private AgentOutcome agentRun(Scripts.Script s, String agentId, List<String> k, String... args) {
        return await(agentRunAsync(s, agentId, k, args));
    }

    private Uni<AgentOutcome> agentRunAsync(Scripts.Script s, String agentId, List<String> k, String... args) {
        return runAsync(s, agentId, k, args).map(o -> new AgentOutcome(o, AgentState.fromTail(agentId, o.values(), this)));
    }

    public AgentOutcome upsertAgent(String id, AgentProfile profile, Instant now) {
        redis.set(String.class).sadd(Keys.AGENTS, id);
        return agentRun(Scripts.AGENT_UPSERT, id, List.of(keys.agent(id), keys.agentOutbox(id)), id, write(profile),
                write(profile.skillsOrEmpty()), String.valueOf(profile.cap()), ms(now), now.toString(), uuid());
    }

    /** Presence: mode "set" (status), "disconnect" (grace starts) or "grace-end" (token of the grace timer). */
    public AgentOutcome presence(String agentId, String mode, Presence status, String processedId, String token, Instant now) {
        return presence(agentId, mode, status, processedId, token, now, null);
    }

    /** With session's socket version (disconnect, reconnect): an older one than routing saw changes nothing. */
    public AgentOutcome presence(String agentId, String mode, Presence status, String processedId, String token, Instant now,
                                 Long socketVersion) {
        String marker = processedId != null ? processedId : "grace:" + agentId + ":" + token;
        return agentRun(Scripts.AGENT_PRESENCE, agentId, List.of(keys.agent(agentId), keys.holds(agentId),
                        keys.agentProcessed(agentId, marker), keys.agentOutbox(agentId), keys.agentDue(agentId)),
                agentId, mode, status == null ? "" : status.name(), ms(now), now.toString(), ttl(),
                String.valueOf(config.disconnectGraceSeconds() * 1000L), token == null ? "" : token, uuid(),
                socketVersion == null ? "" : socketVersion.toString());
    }

    public AgentOutcome hold(String agentId, String chatId, String offerId, Instant now) {
        return await(holdAsync(agentId, chatId, offerId, now));
    }

    public Uni<AgentOutcome> holdAsync(String agentId, String chatId, String offerId, Instant now) {
        return agentRunAsync(Scripts.AGENT_HOLD, agentId, agentKeys(agentId), agentId, chatId, offerId, ms(now), now.toString(), uuid());
    }

    public AgentOutcome unhold(String agentId, String chatId, String offerId, String mode, Instant now) {
        return unhold(agentId, chatId, offerId, mode, now, false);
    }

    /**
     * With {@code undelivered}: a timed-out offer that never reached the agent (no chat.offer.delivered), whose timeout
     * neither counts as a missed offer nor resets the count (agent_unhold.lua).
     */
    public AgentOutcome unhold(String agentId, String chatId, String offerId, String mode, Instant now, boolean undelivered) {
        return await(unholdAsync(agentId, chatId, offerId, mode, now, undelivered));
    }

    public Uni<AgentOutcome> unholdAsync(String agentId, String chatId, String offerId, String mode, Instant now, boolean undelivered) {
        return agentRunAsync(Scripts.AGENT_UNHOLD, agentId, agentKeys(agentId), agentId, chatId, nz(offerId), mode, ms(now), now.toString(),
                config.awayOnMissedOffer() ? String.valueOf(config.missedOffersBeforeAway()) : "", uuid(), uuid(),
                undelivered ? "1" : "");
    }

    public Uni<Outcome> touchAsync(String agentId, String chatId, String offerId, Instant now) {
        return runAsync(Scripts.AGENT_TOUCH, agentId, List.of(keys.agent(agentId), keys.holds(agentId)), agentId, chatId, nz(offerId), ms(now));
    }

    /**
     * The agent side's check after an offer was made (mode offer: a claim's third step) or accepted (mode assigned,
     * after {@link #touchAsync} found no hold): HELD, or the lost slot taken again (REHELD, ADOPTED), or FULL, GONE,
     * CONFLICT (the offer must be withdrawn); see agent_confirm.lua and {@link io.chatroute.routing.domain.HoldCheck}.
     */
    public AgentOutcome confirm(String agentId, String chatId, String offerId, String mode, Instant now) {
        return await(confirmAsync(agentId, chatId, offerId, mode, now));
    }

    public Uni<AgentOutcome> confirmAsync(String agentId, String chatId, String offerId, String mode, Instant now) {
        return agentRunAsync(Scripts.AGENT_CONFIRM, agentId, agentKeys(agentId), agentId, chatId, offerId, mode, ms(now), now.toString(),
                uuid());
    }

    /**
     * Bars a stale hold's offer on its chat before the hold is dropped (chat_fence.lua): FENCED (a stalled claim can no
     * longer make that offer) or REAL (the chat carries that offer for that agent: the hold is kept).
     */
    public Outcome fence(String chatId, String offerId, String agentId, Instant now) {
        return run(Scripts.CHAT_FENCE, chatId, List.of(keys.chat(chatId)), offerId, agentId, ms(now));
    }

    /** Drops the given stale holds (chat id -> hold value as read) and sets active to the holds left. */
    public AgentOutcome reconcile(String agentId, Map<String, String> staleHolds, Instant now) {
        List<String> args = new ArrayList<>(List.of(agentId, ms(now), now.toString(), uuid()));
        staleHolds.forEach((chat, value) -> {
            args.add(chat);
            args.add(value);
        });
        return agentRun(Scripts.AGENT_RECONCILE, agentId, agentKeys(agentId), args.toArray(String[]::new));
    }

    private List<String> agentKeys(String agentId) {
        return List.of(keys.agent(agentId), keys.holds(agentId), keys.agentOutbox(agentId));
    }

    public Optional<AgentRecord> agent(String id) {
        return await(agentAsync(id));
    }

    public Uni<Optional<AgentRecord>> agentAsync(String id) {
        return lowLevel.send(Request.cmd(Command.HGETALL).arg(keys.agent(id))).map(r -> {
            Map<String, String> h = hash(r);
            if (h.isEmpty() || h.get("profile") == null) {
                return Optional.empty();
            }
            return Optional.of(record(id, h.get("profile"), h.get("status"), h.get("active"), h.get("max"), h.get("lastAssignedAt"),
                    h.get("statusSince"), h.get("idleSince"), h.get("graceUntil")));
        });
    }

    /** The chats an agent holds (offered or assigned): chat id -> "offerId|sinceMs[|A]". */
    public Map<String, String> holds(String agentId) {
        Map<String, String> h = redis.hash(String.class).hgetall(keys.holds(agentId));
        return h == null ? Map.of() : h;
    }

    public List<String> agentIds() {
        return new ArrayList<>(new java.util.TreeSet<>(redis.set(String.class).smembers(Keys.AGENTS)));
    }

    /** Every agent, sorted by id: two round trips (SMEMBERS, then one pipelined batch of HMGETs). Admin and stats only. */
    public List<AgentRecord> agents() {
        return agents(agentIds());
    }

    /** The given agents (unknown ones skipped), in one pipelined round trip. */
    public List<AgentRecord> agents(List<String> ids) {
        if (ids.isEmpty()) {
            return new ArrayList<>();
        }
        List<Request> batch = new ArrayList<>(ids.size());
        for (String id : ids) {
            batch.add(agentRow(id));
        }
        return agentRecords(ids, await(pipelines.batch(batch)), 0);
    }

    private Request agentRow(String id) {
        return Request.cmd(Command.HMGET).arg(keys.agent(id)).arg("profile").arg("status").arg("active").arg("max")
                .arg("lastAssignedAt").arg("statusSince").arg("idleSince").arg("graceUntil");
    }

    private List<AgentRecord> agentRecords(List<String> ids, List<Response> rows, int from) {
        List<AgentRecord> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            Response r = rows.get(from + i);
            if (r == null || r.get(0) == null) {
                continue;
            }
            out.add(record(ids.get(i), str(r.get(0)), str(r.get(1)), str(r.get(2)), str(r.get(3)), str(r.get(4)), str(r.get(5)),
                    str(r.get(6)), str(r.get(7))));
        }
        return out;
    }

    private AgentRecord record(String id, String profile, String status, String active, String max, String lastAssignedAt,
                               String statusSince, String idleSince, String graceUntil) {
        return new AgentRecord(id, read(profile, AgentProfile.class), Optional.ofNullable(Presence.parse(status)).orElse(Presence.OFFLINE),
                (int) longOf(active), (int) longOf(max), longOf(lastAssignedAt), longOf(statusSince), longOf(idleSince), longOf(graceUntil));
    }

    // ------------------------------------------------------------ chats

    public Map<String, String> chat(String chatId) {
        Map<String, String> h = redis.hash(String.class).hgetall(keys.chat(chatId));
        return h == null ? Map.of() : h;
    }

    public Uni<Map<String, String>> chatAsync(String chatId) {
        return lowLevel.send(Request.cmd(Command.HGETALL).arg(keys.chat(chatId))).map(RoutingStore::hash);
    }

    /** The hashes of several chats in one pipelined round trip (empty maps for unknown chats), in order. */
    public List<Map<String, String>> chats(List<String> chatIds) {
        if (chatIds.isEmpty()) {
            return List.of();
        }
        List<Request> batch = new ArrayList<>(chatIds.size());
        for (String id : chatIds) {
            batch.add(Request.cmd(Command.HGETALL).arg(keys.chat(id)));
        }
        List<Map<String, String>> out = new ArrayList<>(chatIds.size());
        for (Response r : await(pipelines.batch(batch))) {
            out.add(hash(r));
        }
        return out;
    }

    /** A chat as the dispatcher reads it from a queue's page: its hash, and the epoch of its waiting entry there (0: none). */
    public record WaitingChat(Map<String, String> chat, long entryEpoch) {
    }

    /** The chats of a queue's page and their waiting entries' epochs, in one pipelined batch. */
    public Uni<List<WaitingChat>> waitingChatsAsync(String queueId, List<String> chatIds) {
        if (chatIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Request> batch = new ArrayList<>(chatIds.size() + 1);
        for (String id : chatIds) {
            batch.add(Request.cmd(Command.HGETALL).arg(keys.chat(id)));
        }
        Request entries = Request.cmd(Command.HMGET).arg(keys.entries(queueId));
        chatIds.forEach(entries::arg);
        batch.add(entries);
        return pipelines.batch(batch).map(rows -> {
            Response epochs = rows.get(chatIds.size());
            List<WaitingChat> out = new ArrayList<>(chatIds.size());
            for (int i = 0; i < chatIds.size(); i++) {
                Response entry = epochs == null ? null : epochs.get(i);
                out.add(new WaitingChat(hash(rows.get(i)), entry == null ? 0 : entryEpoch(entry.toString(), json)));
            }
            return out;
        });
    }

    /** The epoch of a waiting entry ({@code {"e":N,...}}, written by WaitingEntries; read without parsing the rest). */
    static long entryEpoch(String json, ObjectMapper mapper) {
        String prefix = "{\"e\":";
        if (json.startsWith(prefix)) {
            long n = 0;
            int i = prefix.length();
            while (i < json.length() && Character.isDigit(json.charAt(i))) {
                n = n * 10 + (json.charAt(i++) - '0');
            }
            if (i > prefix.length() && i < json.length() && (json.charAt(i) == ',' || json.charAt(i) == '}')) {
                return n;
            }
        }
        try {
            return mapper.readTree(json).path("e").asLong(0);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt routing record", e);
        }
    }

    public List<String> decisions(String chatId) {
        return redis.list(String.class).lrange(keys.decisions(chatId), 0, -1);
    }

    private List<String> chatKeys(String chatId, String marker) {
        return List.of(keys.chat(chatId), keys.decisions(chatId), keys.chatProcessed(chatId, marker), keys.chatOutbox(chatId),
                keys.chatDue(chatId));
    }

    /**
     * chat.requested: QUEUED (epoch, enqueuedAt, the queue a reservation was in), or EXISTS with the state. The chat
     * waits since its reservation when it has one, else since {@code requestedAt} (when the visitor asked; null or
     * later than {@code now}: now).
     */
    public Outcome enqueue(String chatId, String eventId, Instant now, Instant requestedAt, String queueId, String ruleId, Target target,
                           Map<String, Integer> ruleSkills, int priority, Map<String, Object> request, Map<String, Object> decision,
                           Map<String, Object> offlineEvent, Long overflowAfterMillis) {
        return await(enqueueAsync(chatId, eventId, now, requestedAt, queueId, ruleId, target, ruleSkills, priority, request, decision,
                offlineEvent, overflowAfterMillis));
    }

    public Uni<Outcome> enqueueAsync(String chatId, String eventId, Instant now, Instant requestedAt, String queueId, String ruleId,
                                     Target target, Map<String, Integer> ruleSkills, int priority, Map<String, Object> request,
                                     Map<String, Object> decision, Map<String, Object> offlineEvent, Long overflowAfterMillis) {
        return runAsync(Scripts.CHAT_ENQUEUE, chatId, chatKeys(chatId, eventId), chatId, ms(now), now.toString(), ttl(), queueId, ruleId,
                target.id(), write(target.skills()), write(ruleSkills == null ? Map.of() : ruleSkills), String.valueOf(priority),
                write(request), write(decision), offlineEvent == null ? "" : write(offlineEvent),
                overflowAfterMillis == null ? "" : String.valueOf(overflowAfterMillis), idxDelay(), maxSteps(), uuid(),
                requestedAt == null ? "" : ms(requestedAt));
    }

    /** Takes the chat's place at evaluation: RESERVED (queue, epoch, enqueuedAt, priority, NEW) or the state it has. */
    public Uni<Outcome> reserveAsync(String chatId, String queueId, Target target, int priority, Instant now) {
        return runAsync(Scripts.CHAT_RESERVE, chatId, List.of(keys.chat(chatId), keys.chatDue(chatId)), chatId, queueId, target.id(),
                String.valueOf(priority), ms(now), String.valueOf(config.reservationTimeoutSeconds() * 1000L));
    }

    /** Drops the reservation when still unconfirmed and older than the cut-off: DROPPED (queue, epoch) or KEPT. */
    public Outcome unreserve(String chatId, Instant olderThan) {
        return unreserve(chatId, olderThan, false);
    }

    public Outcome unreserve(String chatId, Instant olderThan, boolean fromTimer) {
        return run(Scripts.CHAT_UNRESERVE, chatId, List.of(keys.chat(chatId), keys.chatDue(chatId)), chatId, ms(olderThan),
                fromTimer ? "1" : "");
    }

    public Outcome offer(String chatId, String agentId, String offerId, Instant now, Instant expires, long epoch, String offeredJson,
                         Map<String, Object> decision) {
        return await(offerAsync(chatId, agentId, offerId, now, expires, epoch, offeredJson, decision));
    }

    public Uni<Outcome> offerAsync(String chatId, String agentId, String offerId, Instant now, Instant expires, long epoch,
                                   String offeredJson, Map<String, Object> decision) {
        return runAsync(Scripts.CHAT_OFFER, chatId, List.of(keys.chat(chatId), keys.decisions(chatId), keys.chatOutbox(chatId), keys.chatDue(chatId)),
                chatId, agentId, offerId, ms(now), ms(expires), now.toString(), String.valueOf(epoch), offeredJson, write(decision),
                String.valueOf(config.acceptSkewMillis()), maxSteps(), uuid());
    }

    public Outcome accept(String chatId, String agentId, String offerId, Instant now, Instant acceptedAt, String assignedJson,
                          String eventId) {
        return await(acceptAsync(chatId, agentId, offerId, now, acceptedAt, assignedJson, eventId));
    }

    public Uni<Outcome> acceptAsync(String chatId, String agentId, String offerId, Instant now, Instant acceptedAt, String assignedJson,
                                    String eventId) {
        return runAsync(Scripts.CHAT_ACCEPT, chatId, chatKeys(chatId, eventId), chatId, agentId, nz(offerId), ms(now), now.toString(), ttl(),
                assignedJson, acceptedAt == null ? "0" : ms(acceptedAt), String.valueOf(config.acceptSkewMillis()), maxSteps(), uuid());
    }

    /** Gives a chat its agent held back to its queue: mode decline, timeout, withdraw or agent-gone (see chat_release.lua). */
    public Outcome release(String chatId, String offerId, String agentId, String mode, String reason, Instant now, String marker) {
        return await(releaseAsync(chatId, offerId, agentId, mode, reason, now, marker));
    }

    public Uni<Outcome> releaseAsync(String chatId, String offerId, String agentId, String mode, String reason, Instant now,
                                     String marker) {
        return runAsync(Scripts.CHAT_RELEASE, chatId, chatKeys(chatId, marker), chatId, nz(offerId), nz(agentId), mode, ms(now), now.toString(),
                ttl(), String.valueOf(config.declineCooldownSeconds() * 1000L), idxDelay(), maxSteps(), nz(reason), uuid());
    }

    /**
     * session-service's chat.offer.delivered: DELIVERED (recorded on the standing offer) or IGNORED (the offer is no
     * longer the chat's, or not that agent's); see chat_delivered.lua.
     */
    public Uni<Outcome> deliveredAsync(String chatId, String offerId, String agentId, String eventId) {
        return runAsync(Scripts.CHAT_DELIVERED, chatId, List.of(keys.chat(chatId), keys.chatProcessed(chatId, eventId)), nz(offerId),
                nz(agentId), ttl());
    }

    public Outcome close(String chatId, Instant now, String eventId) {
        return await(closeAsync(chatId, now, eventId));
    }

    public Uni<Outcome> closeAsync(String chatId, Instant now, String eventId) {
        return runAsync(Scripts.CHAT_CLOSE, chatId, chatKeys(chatId, eventId), chatId, ms(now), now.toString(), ttl(),
                String.valueOf(config.closedRetentionSeconds()), maxSteps());
    }

    /** A requested chat that cannot be placed: closed here, and chat.routing.failed published with the close. */
    public Outcome notRouted(String chatId, Map<String, Object> failed, Instant now, String eventId) {
        return run(Scripts.CHAT_CLOSE, chatId, chatKeys(chatId, eventId), chatId, ms(now), now.toString(), ttl(),
                String.valueOf(config.closedRetentionSeconds()), maxSteps(), write(failed), uuid());
    }

    public Outcome move(String chatId, long epoch, String toQueue, Target target, Long nextOverflowAfterMillis, Instant now) {
        return run(Scripts.CHAT_MOVE, chatId, List.of(keys.chat(chatId), keys.decisions(chatId), keys.chatOutbox(chatId), keys.chatDue(chatId)),
                chatId, String.valueOf(epoch), toQueue, target.id(), write(target.skills()), ms(now), now.toString(), idxDelay(), maxSteps(),
                nextOverflowAfterMillis == null ? "" : String.valueOf(nextOverflowAfterMillis));
    }

    /** The chat side of a transfer: mode fail (with the reason), queue (to target) or agent (offered to toAgentId). */
    public Outcome transfer(String chatId, String eventId, String requestId, String fromAgentId, String mode, String toQueue, Target target,
                            String toAgentId, String note, String failReason, String offerId, Instant expires, String offeredJson,
                            Instant now) {
        return run(Scripts.CHAT_TRANSFER, chatId, chatKeys(chatId, eventId), chatId, nz(requestId), nz(fromAgentId), mode, nz(toQueue),
                target == null ? "" : target.id(), target == null ? "{}" : write(target.skills()), nz(toAgentId), nz(note), ms(now),
                now.toString(), ttl(), nz(failReason), nz(offerId), expires == null ? "0" : ms(expires), nz(offeredJson), idxDelay(),
                maxSteps(), String.valueOf(config.acceptSkewMillis()), uuid(), uuid());
    }

    // ------------------------------------------------------------ queues

    private List<String> indexKeys(String queueId) {
        return List.of(keys.waiting(queueId), keys.since(queueId), keys.entries(queueId), keys.announced(queueId));
    }

    /**
     * A chat's waiting entry (epoch, score, enqueue time, the chat.queued template); with announce its first
     * chat.queued of this epoch, its position and the wait by the curve; with {@code offline} (the queue is closed) the
     * epoch's chat.offline too, once.
     */
    public Outcome index(String queueId, String chatId, long epoch, long score, long enqueuedAt, Map<String, Object> entry,
                         boolean announce, long free, double first, double step, String reason, String targetId, boolean reserved,
                         Map<String, Object> offline, Instant now) {
        return await(indexAsync(queueId, chatId, epoch, score, enqueuedAt, entry, announce, free, first, step, reason, targetId, reserved,
                offline, now));
    }

    public Uni<Outcome> indexAsync(String queueId, String chatId, long epoch, long score, long enqueuedAt, Map<String, Object> entry,
                                   boolean announce, long free, double first, double step, String reason, String targetId,
                                   boolean reserved, Map<String, Object> offline, Instant now) {
        List<String> k = new ArrayList<>(indexKeys(queueId));
        k.add(keys.queueOutbox(queueId));
        k.add(keys.gone(queueId));
        return runAsync(Scripts.QUEUE_INDEX, chatId, k, chatId, String.valueOf(epoch), String.valueOf(score), String.valueOf(enqueuedAt),
                write(entry), announce ? "1" : "", now.toString(), uuid(), String.valueOf(free), String.valueOf(first),
                String.valueOf(step), nz(reason), targetId, reserved ? "R" : "Q", offline == null ? "" : write(offline),
                String.valueOf(secondsUntil(offline == null ? null : offline.get("nextOpenAt"), now)));
    }

    /** Whole seconds from now to an ISO-8601 instant (0 when there is none or it is past). */
    private static long secondsUntil(Object iso, Instant now) {
        return iso instanceof String s ? Math.max(0, java.time.Duration.between(now, Instant.parse(s)).toSeconds()) : 0;
    }

    public Outcome unindex(String queueId, String chatId, long maxEpoch) {
        return await(unindexAsync(queueId, chatId, maxEpoch));
    }

    /**
     * Takes a chat's entry out of its queue unless it is of a newer epoch than {@code maxEpoch}, and marks that epoch as
     * gone from the queue ({@link Keys#gone}): a late step cannot write it back. No mark for a chat whose hash is missing
     * ({@code Long.MAX_VALUE}): a chat that is created again (a late chat.requested after its reservation was dropped)
     * starts again at epoch 1.
     */
    public Uni<Outcome> unindexAsync(String queueId, String chatId, long maxEpoch) {
        return unindexAsync(queueId, chatId, maxEpoch, maxEpoch != Long.MAX_VALUE);
    }

    /** As {@link #unindexAsync(String, String, long)}; {@code mark} false for a chat deleted (a dropped reservation). */
    public Outcome unindex(String queueId, String chatId, long maxEpoch, boolean mark) {
        return await(unindexAsync(queueId, chatId, maxEpoch, mark));
    }

    public Uni<Outcome> unindexAsync(String queueId, String chatId, long maxEpoch, boolean mark) {
        List<String> k = new ArrayList<>(indexKeys(queueId));
        k.add(keys.gone(queueId));
        k.add(keys.goneAt(queueId));
        return runAsync(Scripts.QUEUE_UNINDEX, chatId, k, chatId, String.valueOf(maxEpoch), String.valueOf(System.currentTimeMillis()),
                String.valueOf(GONE_RETENTION_MILLIS), mark ? "1" : "");
    }

    /** A wait curve per routing target: free slots, the first waiting chat's wait, the step per chat ahead. */
    public record CurveArgs(String targetId, long free, double first, double step) {
    }

    public Outcome announce(String queueId, List<CurveArgs> curves, Instant now) {
        List<String> args = new ArrayList<>(List.of(ms(now), now.toString(), String.valueOf(config.announceIntervalMillis()),
                String.valueOf(config.announceLimit()), uuid(), String.valueOf(config.announceNear()),
                String.valueOf(config.announceQuietPerPlaceMillis()), String.valueOf(config.announceMaxQuietMillis())));
        for (CurveArgs c : curves) {
            args.add(c.targetId());
            args.add(String.valueOf(c.free()));
            args.add(String.valueOf(c.first()));
            args.add(String.valueOf(c.step()));
        }
        return run(Scripts.QUEUE_ANNOUNCE, queueId, List.of(keys.waiting(queueId), keys.entries(queueId), keys.announced(queueId),
                keys.announceMeta(queueId), keys.queueOutbox(queueId)), args.toArray(String[]::new));
    }

    /** The queue closed: its waiting chats that were told a place get chat.offline (queue_close.lua). */
    public Outcome closeQueue(String queueId, Instant nextOpenAt, int limit, Instant now) {
        return run(Scripts.QUEUE_CLOSE, queueId, List.of(keys.waiting(queueId), keys.entries(queueId), keys.announced(queueId),
                keys.queueOutbox(queueId)), now.toString(), uuid(), nextOpenAt == null ? "" : nextOpenAt.toString(), String.valueOf(limit));
    }

    /** Counts one fact of a queue (answered, abandoned, handled, arrived), once per marker. */
    public Uni<Outcome> countQueueAsync(String queueId, String mode, String fact, long value, boolean within, String member,
                                        Instant now) {
        return runAsync(Scripts.QUEUE_STATS, queueId, List.of(keys.queueStats(queueId, utcDay(now).toString()), keys.queueMarker(queueId, fact),
                        keys.answers(queueId), keys.handleTimes(queueId), keys.arrivals(queueId)),
                mode, ms(now), String.valueOf(config.statsRetentionSeconds()), String.valueOf(config.statsRetentionSeconds()),
                String.valueOf(config.estimateWindowSeconds() * 1000L), String.valueOf(value), within ? "1" : "", nz(member));
    }

    /** Puts one agent's state into one target's candidate index and aggregates (member false: takes it out). */
    public Request targetUpdate(String queueId, String targetId, AgentState a, boolean member, long score) {
        List<String> k = List.of(keys.candidates(queueId, targetId), keys.able(queueId, targetId), keys.aggregate(queueId, targetId));
        Request r = evalRequest(Scripts.TARGET_UPDATE, k, a.agentId(), String.valueOf(a.ver()), a.status().name(), String.valueOf(a.active()),
                String.valueOf(a.max()), a.grace() ? "1" : "", String.valueOf(score), member ? "1" : "");
        if (pipelines.cluster()) {
            // batched: on a cluster a NOSCRIPT cannot be mended by one SCRIPT LOAD (it reaches one node), so the source
            // goes with the call (each node compiles it once and caches it by its SHA-1)
            Request withSource = Request.cmd(Command.EVAL).arg(Scripts.TARGET_UPDATE.source());
            List<String> rest = new ArrayList<>();
            rest.add(String.valueOf(k.size()));
            rest.addAll(k);
            rest.addAll(List.of(a.agentId(), String.valueOf(a.ver()), a.status().name(), String.valueOf(a.active()),
                    String.valueOf(a.max()), a.grace() ? "1" : "", String.valueOf(score), member ? "1" : ""));
            rest.forEach(withSource::arg);
            return withSource;
        }
        return r;
    }

    /** Runs target updates (and other requests) in one pipelined round trip. */
    public void batch(List<Request> requests) {
        await(batchAsync(requests));
    }

    /** As {@link #batch}, without blocking; a Redis that does not know the target script yet has it loaded first. */
    public Uni<Void> batchAsync(List<Request> requests) {
        if (requests.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pipelines.batch(requests).onFailure(RoutingStore::noScript)
                .recoverWithUni(() -> lowLevel.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(Scripts.TARGET_UPDATE.source()))
                        .chain(() -> pipelines.batch(requests)))
                .replaceWithVoid();
    }

    /** One page of a queue's waiting set and, per target, its candidate count and (k > 0) its first {@code k} candidates. */
    public record Page(List<String> chatIds, Map<String, List<String>> candidates, Map<String, Long> candidateCounts) {
    }

    public Uni<Page> pageAsync(String queueId, long offset, int count, Collection<String> targetIds, Map<String, Long> from, int k) {
        List<Request> batch = new ArrayList<>();
        batch.add(Request.cmd(Command.ZRANGE).arg(keys.waiting(queueId)).arg(offset).arg(offset + count - 1));
        List<String> targets = new ArrayList<>(targetIds);
        for (String t : targets) {
            long start = from == null ? 0 : from.getOrDefault(t, 0L);
            if (k > 0) {
                batch.add(Request.cmd(Command.ZRANGE).arg(keys.candidates(queueId, t)).arg(start).arg(start + k - 1));
            }
            batch.add(Request.cmd(Command.ZCARD).arg(keys.candidates(queueId, t)));
        }
        return pipelines.batch(batch).map(rows -> {
            Map<String, List<String>> cands = new HashMap<>();
            Map<String, Long> counts = new HashMap<>();
            int per = k > 0 ? 2 : 1;
            for (int i = 0; i < targets.size(); i++) {
                if (k > 0) {
                    cands.put(targets.get(i), strings(rows.get(1 + per * i)));
                }
                counts.put(targets.get(i), rows.get(per + per * i).toLong());
            }
            return new Page(strings(rows.get(0)), cands, counts);
        });
    }

    /** The first {@code k} candidates of one target from {@code start} and the index size. */
    public Uni<Page> candidatesAsync(String queueId, String targetId, long start, int k) {
        return pipelines.batch(List.of(
                Request.cmd(Command.ZRANGE).arg(keys.candidates(queueId, targetId)).arg(start).arg(start + k - 1),
                Request.cmd(Command.ZCARD).arg(keys.candidates(queueId, targetId))))
                .map(rows -> new Page(List.of(), Map.of(targetId, strings(rows.get(0))), Map.of(targetId, rows.get(1).toLong())));
    }

    public long waitingCount(String queueId) {
        return redis.sortedSet(String.class).zcard(keys.waiting(queueId));
    }

    public Uni<Long> waitingCountAsync(String queueId) {
        return lowLevel.send(Request.cmd(Command.ZCARD).arg(keys.waiting(queueId))).map(Response::toLong);
    }

    public List<String> waiting(String queueId, int limit) {
        return redis.sortedSet(String.class).zrange(keys.waiting(queueId), 0, limit - 1);
    }

    /** A queue's figures for the wait estimate and evaluation: per target its aggregates; the queue's recent history. */
    public record Signals(Map<String, Map<String, Long>> aggregates, long waiting, long answersInWindow, long arrivalsInWindow,
                          double averageHandleSeconds, long handleSamples) {
        public long agg(String targetId, String field) {
            Map<String, Long> m = aggregates.get(targetId);
            return m == null ? 0 : m.getOrDefault(field, 0L);
        }
    }

    public Signals signals(String queueId, Collection<String> targetIds, Instant now) {
        return await(signalsAsync(queueId, targetIds, now));
    }

    public Uni<Signals> signalsAsync(String queueId, Collection<String> targetIds, Instant now) {
        long window = config.estimateWindowSeconds() * 1000L;
        List<String> targets = new ArrayList<>(targetIds);
        List<Request> batch = new ArrayList<>();
        for (String t : targets) {
            batch.add(Request.cmd(Command.HGETALL).arg(keys.aggregate(queueId, t)));
        }
        batch.add(Request.cmd(Command.ZCARD).arg(keys.waiting(queueId)));
        batch.add(Request.cmd(Command.ZCOUNT).arg(keys.answers(queueId)).arg(now.toEpochMilli() - window).arg("+inf"));
        batch.add(Request.cmd(Command.ZCOUNT).arg(keys.arrivals(queueId)).arg(now.toEpochMilli() - window).arg("+inf"));
        batch.add(Request.cmd(Command.LRANGE).arg(keys.handleTimes(queueId)).arg(0).arg(-1));
        return pipelines.batch(batch).map(rows -> {
            Map<String, Map<String, Long>> aggs = new HashMap<>();
            for (int i = 0; i < targets.size(); i++) {
                Map<String, Long> m = new HashMap<>();
                hash(rows.get(i)).forEach((f, v) -> m.put(f, longOf(v)));
                aggs.put(targets.get(i), m);
            }
            int at = targets.size();
            List<String> handle = strings(rows.get(at + 3));
            double avg = handle.stream().mapToLong(RoutingStore::longOf).average().orElse(0) / 1000.0;
            return new Signals(aggs, rows.get(at).toLong(), rows.get(at + 1).toLong(), rows.get(at + 2).toLong(), avg, handle.size());
        });
    }

    /** The chat's 1-based rank in its queue's waiting set, or 0 when it is not there. */
    public long position(String queueId, String chatId) {
        java.util.OptionalLong rank = redis.sortedSet(String.class).zrank(keys.waiting(queueId), chatId);
        return rank.isPresent() ? rank.getAsLong() + 1 : 0;
    }

    /** As {@link #position}, without blocking. */
    public Uni<Long> positionAsync(String queueId, String chatId) {
        return lowLevel.send(Request.cmd(Command.ZRANK).arg(keys.waiting(queueId)).arg(chatId)).map(r -> r == null ? 0L : r.toLong() + 1);
    }

    // ------------------------------------------------------------ live stats

    /** Every agent and, per queue asked for, its waiting set, the day's counters and its recent history. */
    public record LiveSnapshot(List<AgentRecord> agents, Map<String, LiveStats.QueueState> queues, Map<String, History> history) {
    }

    /** A queue's recent history (the wait estimate's inputs besides the agents). */
    public record History(long answersInWindow, long arrivalsInWindow, double averageHandleSeconds, long handleSamples) {
        public static final History EMPTY = new History(0, 0, 0, 0);
    }

    /**
     * Live figures in two round trips whatever the number of chats: SMEMBERS of the agents, then one pipelined batch of
     * an HMGET per agent and, per queue, its waiting count, the oldest enqueue time, the day's counters and its history.
     */
    public LiveSnapshot live(Collection<String> queueIds, LocalDate day, Instant now) {
        List<String> ids = agentIds();
        List<String> queues = new ArrayList<>(queueIds);
        long window = config.estimateWindowSeconds() * 1000L;
        List<Request> batch = new ArrayList<>(ids.size() + 7 * queues.size());
        for (String id : ids) {
            batch.add(agentRow(id));
        }
        for (String q : queues) {
            batch.add(Request.cmd(Command.ZCARD).arg(keys.waiting(q)));
            batch.add(Request.cmd(Command.ZRANGE).arg(keys.since(q)).arg(0).arg(0).arg("WITHSCORES"));
            batch.add(Request.cmd(Command.HMGET).arg(keys.queueStats(q, day.toString())).arg("answered").arg("answeredWithinTarget")
                    .arg("abandoned").arg("answerWaitMs"));
            batch.add(Request.cmd(Command.ZCOUNT).arg(keys.answers(q)).arg(now.toEpochMilli() - window).arg("+inf"));
            batch.add(Request.cmd(Command.ZCOUNT).arg(keys.arrivals(q)).arg(now.toEpochMilli() - window).arg("+inf"));
            batch.add(Request.cmd(Command.LRANGE).arg(keys.handleTimes(q)).arg(0).arg(-1));
        }
        if (batch.isEmpty()) {
            return new LiveSnapshot(List.of(), Map.of(), Map.of());
        }
        List<Response> rows = await(pipelines.batch(batch));
        List<AgentRecord> agents = agentRecords(ids, rows, 0);
        Map<String, LiveStats.QueueState> out = new HashMap<>();
        Map<String, History> history = new HashMap<>();
        for (int i = 0; i < queues.size(); i++) {
            int at = ids.size() + 6 * i;
            Response counters = rows.get(at + 2);
            out.put(queues.get(i), new LiveStats.QueueState(rows.get(at).toLong(), oldestScore(rows.get(at + 1)),
                    longOf(str(counters.get(0))), longOf(str(counters.get(1))), longOf(str(counters.get(2))), longOf(str(counters.get(3)))));
            List<String> handle = strings(rows.get(at + 5));
            history.put(queues.get(i), new History(rows.get(at + 3).toLong(), rows.get(at + 4).toLong(),
                    handle.stream().mapToLong(RoutingStore::longOf).average().orElse(0) / 1000.0, handle.size()));
        }
        return new LiveSnapshot(agents, out, history);
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

    // ------------------------------------------------------------ timers

    /** The earliest timer of every partition (epoch ms, or -1 when none), in one pipelined round trip. */
    public long[] dueHeads() {
        List<Request> batch = new ArrayList<>(keys.partitions());
        for (int p = 0; p < keys.partitions(); p++) {
            batch.add(Request.cmd(Command.ZRANGE).arg(Keys.due(p)).arg(0).arg(0).arg("WITHSCORES"));
        }
        List<Response> rows = await(pipelines.batch(batch));
        long[] out = new long[keys.partitions()];
        for (int p = 0; p < out.length; p++) {
            Response r = rows.get(p);
            out[p] = r == null || r.size() == 0 ? -1 : oldestScore(r);
        }
        return out;
    }

    /** A partition's timers due by {@code now}, the earliest first (at most {@code limit}). */
    public List<String> dueItems(int partition, Instant now, int limit) {
        Response r = redis.execute("ZRANGEBYSCORE", Keys.due(partition), "-inf", ms(now), "LIMIT", "0", String.valueOf(limit));
        return strings(r);
    }

    /** The earliest timer of one partition (epoch ms), or -1 when none. */
    public long dueHead(int partition) {
        Response r = redis.execute("ZRANGE", Keys.due(partition), "0", "0", "WITHSCORES");
        return r == null || r.size() == 0 ? -1 : oldestScore(r);
    }

    /** Claims a timer that no state-changing script claims itself: true for the one caller that removed it. */
    public boolean take(int partition, String member) {
        return "TAKEN".equals(run(Scripts.DUE_TAKE, member, List.of(Keys.due(partition)), member).code());
    }

    /**
     * Removes a timer whose repeatable work has run (cool, idx, open, close), unless it was re-armed for a time after
     * {@code firedAt} meanwhile: a failure before this leaves the timer due, to be tried again.
     */
    public void done(int partition, String member, Instant firedAt) {
        run(Scripts.DUE_DONE, member, List.of(Keys.due(partition)), member, ms(firedAt));
    }

    /** Schedules a queue's timer (e.g. its opening) in the queue's partition (ZADD LT: an earlier time is kept). */
    public void scheduleQueueTimer(String queueId, String member, long atMillis) {
        await(scheduleQueueTimerAsync(queueId, member, atMillis));
    }

    public Uni<Void> scheduleQueueTimerAsync(String queueId, String member, long atMillis) {
        return lowLevel.send(Request.cmd(Command.ZADD).arg(keys.queueDue(queueId)).arg("LT").arg(atMillis).arg(member))
                .invoke(() -> timers.scheduled(keys.queuePartition(queueId), atMillis)).replaceWithVoid();
    }

    // ------------------------------------------------------------ outbox and leases

    public record OutboxEntry(String stream, String streamId, Map<String, String> fields) {
    }

    public void deleteOutbox(String stream, String... streamIds) {
        redis.stream(String.class).xdel(stream, streamIds);
    }

    /** Every partition's outbox entries appended before the cut-off, oldest first per partition (one pipelined round trip). */
    public List<OutboxEntry> readOutboxBefore(long cutoffMillis, int countPerPartition) {
        List<Request> batch = new ArrayList<>(keys.partitions());
        for (int p = 0; p < keys.partitions(); p++) {
            batch.add(Request.cmd(Command.XRANGE).arg(Keys.outbox(p)).arg("-").arg(Long.toString(cutoffMillis)).arg("COUNT")
                    .arg(countPerPartition));
        }
        List<Response> rows = await(pipelines.batch(batch));
        List<OutboxEntry> out = new ArrayList<>();
        for (int p = 0; p < rows.size(); p++) {
            Response r = rows.get(p);
            if (r == null) {
                continue;
            }
            for (Response m : r) {
                Map<String, String> fields = new LinkedHashMap<>();
                Response f = m.get(1);
                if (f.type() == io.vertx.redis.client.ResponseType.MULTI && f.size() > 0 && f.getKeys().isEmpty()) {
                    for (int i = 0; i + 1 < f.size(); i += 2) {
                        fields.put(f.get(i).toString(), str(f.get(i + 1)));
                    }
                } else {
                    fields.putAll(hash(f));
                }
                out.add(new OutboxEntry(Keys.outbox(p), m.get(0).toString(), fields));
            }
        }
        return out;
    }

    /** Acquires or renews a named lease: true while {@code owner} holds it. */
    public boolean acquireLease(String key, String owner, long ttlMillis) {
        Response r = await(evalshaAsync(Scripts.LEASE, List.of(key), owner, String.valueOf(ttlMillis)));
        return r != null && r.toLong() == 1L;
    }

    public void releaseLease(String key, String owner) {
        await(evalshaAsync(Scripts.UNLEASE, List.of(key), owner));
    }

    // ------------------------------------------------------------ helpers

    /**
     * Runs a state-changing script, publishes the events it appended and arms the timers it scheduled; blocking, see
     * {@link #runAsync}.
     */
    private Outcome run(Scripts.Script script, String lockId, List<String> scriptKeys, String... args) {
        return await(runAsync(script, lockId, scriptKeys, args));
    }

    /**
     * Runs a state-changing script without blocking, then publishes the events it appended and arms the timers it
     * scheduled. The scripts of one stripe of {@code lockId} (the chat, agent or queue) run one after another, each
     * after the one before was answered and its events handed to the producer ({@link SerialStripes}), so this
     * instance hands a chat's events to the producer in commit order.
     */
    Uni<Outcome> runAsync(Scripts.Script script, String lockId, List<String> scriptKeys, String... args) {
        return stripes.serial(lockId, () -> evalshaAsync(script, scriptKeys, args).map(this::committed));
    }

    /** Waits for a non-blocking step on a worker thread, as long as the blocking client would. */
    public <T> T await(Uni<T> step) {
        return step.await().atMost(timeout);
    }

    private Outcome committed(Response r) {
        List<String> values = strings(r.get(0));
        List<OutboxPublisher.Entry> emitted = new ArrayList<>();
        for (Response e : r.get(1)) {
            emitted.add(new OutboxPublisher.Entry(e.get(0).toString(), e.get(1).toString(), e.get(2).toString(), e.get(3).toString(),
                    e.get(4).toString(), e.get(5).toString(), e.get(6).toString(), e.get(7).toString()));
        }
        if (!emitted.isEmpty()) {
            publisher.publish(emitted);
        }
        for (Response s : r.get(2)) {
            timers.scheduled(partitionOf(s.get(0).toString()), (long) Double.parseDouble(s.get(1).toString()));
        }
        boolean replay = r.size() > 3 && r.get(3) != null && r.get(3).toLong() == 1L;
        return new Outcome(values.isEmpty() ? "" : values.getFirst(), values.size() > 1 ? values.subList(1, values.size()) : List.of(),
                replay);
    }

    static int partitionOf(String key) {
        int s = key.indexOf("{p");
        int e = key.indexOf('}', s);
        return Integer.parseInt(key.substring(s + 2, e));
    }

    /**
     * EVALSHA with declared keys, sent without blocking; a Redis that does not know the script yet gets its source
     * (EVAL, which also loads it). All keys of one call must be in one Redis Cluster slot: checked here on every call
     * (a script that spans slots is a bug, caught in every test).
     */
    private Uni<Response> evalshaAsync(Scripts.Script script, List<String> scriptKeys, String... args) {
        Request sha;
        try {
            sha = evalRequest(script, scriptKeys, args);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return lowLevel.send(sha).onFailure(RoutingStore::noScript).recoverWithUni(() -> {
            Request eval = Request.cmd(Command.EVAL).arg(script.source()).arg(scriptKeys.size());
            scriptKeys.forEach(eval::arg);
            for (String a : args) {
                eval.arg(a);
            }
            return lowLevel.send(eval);
        });
    }

    private static boolean noScript(Throwable e) {
        return e.getMessage() != null && e.getMessage().contains("NOSCRIPT");
    }

    private Request evalRequest(Scripts.Script script, List<String> scriptKeys, String... args) {
        checkSlot(script, scriptKeys);
        Request r = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(scriptKeys.size());
        scriptKeys.forEach(r::arg);
        for (String a : args) {
            r.arg(a);
        }
        return r;
    }

    static void checkSlot(Scripts.Script script, List<String> scriptKeys) {
        int slot = -1;
        for (String k : scriptKeys) {
            int s = Keys.slot(k);
            if (slot >= 0 && s != slot) {
                throw new IllegalStateException("script " + script.name() + " spans Redis Cluster slots: " + scriptKeys);
            }
            slot = s;
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

    private static String str(Response r) {
        return r == null ? null : r.toString();
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
        return s == null || s.isEmpty() ? new TreeMap<>() : read(s, new TypeReference<TreeMap<String, Integer>>() { });
    }

    /** The UTC calendar day of an instant (the service-level counters' day). */
    public static LocalDate utcDay(Instant now) {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }

    private String ttl() {
        return String.valueOf(config.processedTtlSeconds());
    }

    private String idxDelay() {
        return String.valueOf(config.indexCheckDelayMillis());
    }

    private String maxSteps() {
        return String.valueOf(config.decisionSteps());
    }

    private static String ms(Instant t) {
        return String.valueOf(t.toEpochMilli());
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String uuid() {
        return UUID.randomUUID().toString();
    }

    static long longOf(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return (long) Double.parseDouble(s);
        }
    }
}
