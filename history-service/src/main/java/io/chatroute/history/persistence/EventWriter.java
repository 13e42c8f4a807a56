package io.chatroute.history.persistence;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.history.domain.ChatEvent;
import io.chatroute.history.domain.ChatState;
import io.chatroute.history.domain.ChatStatus;
import io.chatroute.history.domain.SearchText;
import io.chatroute.history.domain.Visitor;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Writes a consumed batch of events in ONE transaction, with statements whose text never depends on the batch
 * (arrays bound to {@code unnest(…)} / {@code = ANY(…)}), so PostgreSQL and the client prepare each once per
 * connection. This is the consumer's write path; it runs on the reactive pool Hibernate Reactive uses, without
 * Hibernate: the ORM's per-batch query translation was half of the service's CPU under load (see the README,
 * <i>Throughput</i>). Reads and REST writes keep using Hibernate Reactive.
 *
 * <p>Per batch, in this order:
 * <ol>
 * <li>claim the event ids ({@code processed_event}, {@code ON CONFLICT DO NOTHING RETURNING}): only ids not
 * applied before are applied;</li>
 * <li>take the erase gate shared ({@link #ERASE_GATE}; erasure and the retention purge take it exclusively), then
 * drop the events of chats with a tombstone (erased or purged chats are not brought back);</li>
 * <li>lock the chats that change state ({@code FOR UPDATE}, in id order), apply the events in record order
 * ({@link ChatState}) and upsert them; create placeholders for chats only messages name;</li>
 * <li>agents' profiles, who may read the chat, offers, transfers, agent-lost requeues, surveys (first one wins),
 * messages (first copy of each {@code (chat, seq)} wins, with their search vector) and tags (a chat's latest
 * {@code chat.tagged} by its {@code taggedAt} wins, unless the tags were set later already: {@code chat.tags_set_at});</li>
 * <li>assignments: under a per-agent lock (in agent order), new ones inserted, the batch's chats' release times
 * recomputed, and the concurrency of the touched agents' assignments from the earliest touched one on.</li>
 * </ol>
 */
@ApplicationScoped
public class EventWriter {

    /** Advisory lock class of the erase gate (shared by batches, exclusive for erasure and purge). */
    static final int ERASE_GATE = 7301;
    /** Advisory lock class of the per-agent locks (the second key is hashtext(agent id)). */
    static final int AGENT_LOCK = 7302;

    /** processed_at: clock_timestamp(), so that the rows of one batch keep the record order in time too. */
    static final String CLAIM = "INSERT INTO processed_event (event_id, type, processed_at)"
            + " SELECT i, t, clock_timestamp() FROM unnest($1::text[], $2::text[]) AS u(i, t)"
            + " ON CONFLICT DO NOTHING RETURNING event_id";
    static final String GATE_SHARED = "SELECT pg_advisory_xact_lock_shared(" + ERASE_GATE + ", 0)";
    static final String TOMBSTONES = "SELECT chat_id FROM chat_tombstone WHERE chat_id = ANY($1::text[])";
    static final String LOAD_CHATS = "SELECT id, form_id, visitor_name, visitor_email, visitor_locale, customer_id,"
            + " form::text, initial_message, queue_id, rule_id, priority, required_skills::text, agent_id, requested_at,"
            + " queued_at, assigned_at, closed_at, closed_by, status, placeholder"
            + " FROM chat WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE";
    static final String UPSERT_CHATS = """
            INSERT INTO chat (id, form_id, visitor_name, visitor_email, visitor_locale, customer_id, form, initial_message,
                              queue_id, rule_id, priority, required_skills, agent_id, requested_at, queued_at, assigned_at,
                              closed_at, closed_by, status, placeholder, created_at, updated_at)
            SELECT id, form_id, vn, ve, vl, cu, CAST(f AS jsonb), im, q, r, p, CAST(rs AS jsonb), ag, rq, qu, asg, cl, cb,
                   st, ph, $21, $21
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::int[], $12::text[], $13::text[], $14::timestamptz[],
                        $15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::text[], $19::text[], $20::boolean[])
                 AS t(id, form_id, vn, ve, vl, cu, f, im, q, r, p, rs, ag, rq, qu, asg, cl, cb, st, ph)
            ON CONFLICT (id) DO UPDATE SET form_id = EXCLUDED.form_id, visitor_name = EXCLUDED.visitor_name,
                visitor_email = EXCLUDED.visitor_email, visitor_locale = EXCLUDED.visitor_locale,
                customer_id = EXCLUDED.customer_id, form = EXCLUDED.form, initial_message = EXCLUDED.initial_message,
                queue_id = EXCLUDED.queue_id, rule_id = EXCLUDED.rule_id, priority = EXCLUDED.priority,
                required_skills = EXCLUDED.required_skills, agent_id = EXCLUDED.agent_id,
                requested_at = EXCLUDED.requested_at, queued_at = EXCLUDED.queued_at, assigned_at = EXCLUDED.assigned_at,
                closed_at = EXCLUDED.closed_at, closed_by = EXCLUDED.closed_by, status = EXCLUDED.status,
                placeholder = EXCLUDED.placeholder, updated_at = EXCLUDED.updated_at""";
    static final String ENSURE_CHATS = "INSERT INTO chat (id, status, placeholder, created_at, updated_at)"
            + " SELECT id, 'UNKNOWN', true, $2, $2 FROM unnest($1::text[]) AS t(id) ON CONFLICT (id) DO NOTHING";
    static final String UPSERT_AGENTS = """
            INSERT INTO chat_agent (chat_id, agent_id, display_name, title, avatar_url, assigned_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
            ON CONFLICT (chat_id, agent_id) DO UPDATE SET display_name = EXCLUDED.display_name, title = EXCLUDED.title,
                avatar_url = EXCLUDED.avatar_url, assigned_at = EXCLUDED.assigned_at""";
    static final String ACCESS = "INSERT INTO chat_access (chat_id, agent_id)"
            + " SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING";
    static final String OFFERS = "INSERT INTO chat_offer (chat_id, offer_id, agent_id, queue_id, offered_at, expires_at)"
            + " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])"
            + " ON CONFLICT DO NOTHING";
    static final String TRANSFERS = "INSERT INTO chat_transfer (chat_id, request_id, from_agent_id, queue_id, to_agent_id,"
            + " note, transferred_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
            + " $6::text[], $7::timestamptz[]) ON CONFLICT DO NOTHING";
    static final String SURVEYS = "INSERT INTO chat_survey (chat_id, csat, ces, comment, submitted_at)"
            + " SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::timestamptz[])"
            + " ON CONFLICT (chat_id) DO NOTHING";
    static final String MESSAGES = """
            INSERT INTO message (chat_id, seq, message_id, client_msg_id, sender_kind, sender_id, text, language, sent_at,
                                 search)
            SELECT c, s, m, k, f, u, x, l, a,
                   to_tsvector('english', en) || to_tsvector('russian', ru) || to_tsvector('simple', sm)
            FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::timestamptz[], $10::text[], $11::text[], $12::text[]) AS t(c, s, m, k, f, u, x, l, a, en, ru, sm)
            ON CONFLICT (chat_id, seq) DO NOTHING""";
    static final String TAGS_DELETE = """
            DELETE FROM chat_tag t WHERE t.chat_id = ANY($1::text[])
              AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS n(chat_id, tag)
                              WHERE n.chat_id = t.chat_id AND n.tag = t.tag)""";
    /** The chats whose tag set the batch's chat.tagged replace: those not tagged later already (REST, a newer event). */
    static final String TAGS_CLAIM = """
            UPDATE chat c SET tags_set_at = n.at FROM unnest($1::text[], $2::timestamptz[]) AS n(id, at)
            WHERE c.id = n.id AND (c.tags_set_at IS NULL OR c.tags_set_at <= n.at) RETURNING c.id""";
    static final String TAGS_INSERT = "INSERT INTO chat_tag (chat_id, tag, tagged_at)"
            + " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) ON CONFLICT (chat_id, tag) DO NOTHING";
    static final String AGENTS_OF = "SELECT DISTINCT agent_id FROM chat_assignment WHERE chat_id = ANY($1::text[])";
    static final String LOCK_AGENTS = "SELECT count(pg_advisory_xact_lock(" + AGENT_LOCK + ", hashtext(a)))"
            + " FROM unnest($1::text[]) WITH ORDINALITY AS t(a, i)";
    static final String REQUEUES = "INSERT INTO chat_requeue (chat_id, requeued_at, reason)"
            + " SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[]) ON CONFLICT DO NOTHING";
    static final String ASSIGN = "INSERT INTO chat_assignment (chat_id, agent_id, assigned_at)"
            + " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) ON CONFLICT DO NOTHING";
    static final String RELEASE = """
            UPDATE chat_assignment a SET released_at = r.released_at
            FROM (SELECT a2.chat_id, a2.agent_id, a2.assigned_at, least(
                      (SELECT min(n.assigned_at) FROM chat_assignment n
                        WHERE n.chat_id = a2.chat_id AND n.assigned_at > a2.assigned_at),
                      (SELECT min(t.transferred_at) FROM chat_transfer t
                        WHERE t.chat_id = a2.chat_id AND t.from_agent_id = a2.agent_id
                          AND t.transferred_at >= a2.assigned_at),
                      (SELECT min(q.requeued_at) FROM chat_requeue q
                        WHERE q.chat_id = a2.chat_id AND q.requeued_at >= a2.assigned_at),
                      (SELECT c.closed_at FROM chat c WHERE c.id = a2.chat_id AND c.closed_at >= a2.assigned_at))
                      AS released_at
                  FROM chat_assignment a2 WHERE a2.chat_id = ANY($1::text[])) r
            WHERE a.chat_id = r.chat_id AND a.agent_id = r.agent_id AND a.assigned_at = r.assigned_at
              AND a.released_at IS DISTINCT FROM r.released_at""";
    static final String CONCURRENCY = """
            WITH affected AS (SELECT agent_id, min(assigned_at) AS since FROM chat_assignment
                              WHERE chat_id = ANY($1::text[]) GROUP BY agent_id)
            UPDATE chat_assignment x SET concurrency = n.held
            FROM (SELECT x2.chat_id, x2.agent_id, x2.assigned_at,
                         (SELECT count(*) FROM chat_assignment y
                           WHERE y.agent_id = x2.agent_id AND y.assigned_at <= x2.assigned_at
                             AND coalesce(y.released_at, 'infinity'::timestamptz) > x2.assigned_at) AS held
                  FROM chat_assignment x2 JOIN affected f ON f.agent_id = x2.agent_id AND x2.assigned_at >= f.since) n
            WHERE x.chat_id = n.chat_id AND x.agent_id = n.agent_id AND x.assigned_at = n.assigned_at
              AND x.concurrency IS DISTINCT FROM n.held""";

    private static final TypeReference<LinkedHashMap<String, Object>> FORM = new TypeReference<>() { };
    private static final TypeReference<LinkedHashMap<String, Integer>> SKILLS = new TypeReference<>() { };

    private final Pool pool;
    private final ObjectMapper mapper;

    public EventWriter(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** What a batch did: events applied, and of those, events dropped because their chat was erased or purged. */
    public record Outcome(int applied, int dropped) {
    }

    /**
     * Applies the batch in one transaction (record order); an event id applied before (by an earlier batch, or
     * earlier in this one) changes nothing. Everything commits together or nothing does.
     */
    public Uni<Outcome> applyBatch(List<PendingEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().item(new Outcome(0, 0));
        }
        Map<String, PendingEvent> firstById = new LinkedHashMap<>();
        for (PendingEvent e : events) {
            firstById.putIfAbsent(e.eventId(), e);
        }
        List<PendingEvent> unique = new ArrayList<>(firstById.values());
        String[] ids = unique.stream().map(PendingEvent::eventId).toArray(String[]::new);
        String[] types = unique.stream().map(PendingEvent::type).toArray(String[]::new);
        return pool.withTransaction(conn -> conn.preparedQuery(CLAIM).execute(Tuple.of(ids, types)).chain(claimed -> {
            Set<String> fresh = new HashSet<>();
            claimed.forEach(r -> fresh.add(r.getString(0)));
            List<PendingEvent> toApply = unique.stream().filter(e -> fresh.contains(e.eventId())).toList();
            if (toApply.isEmpty()) {
                return Uni.createFrom().item(new Outcome(0, 0));
            }
            String[] chatIds = toApply.stream().map(e -> e.event().chatId()).distinct().toArray(String[]::new);
            return conn.query(GATE_SHARED).execute()
                    .chain(() -> conn.preparedQuery(TOMBSTONES).execute(Tuple.of((Object) chatIds)))
                    .chain(gone -> {
                        Set<String> removed = new HashSet<>();
                        gone.forEach(r -> removed.add(r.getString(0)));
                        List<ChatEvent> live = toApply.stream().map(PendingEvent::event)
                                .filter(e -> !removed.contains(e.chatId())).toList();
                        int dropped = toApply.size() - live.size();
                        return live.isEmpty() ? Uni.createFrom().item(new Outcome(toApply.size(), dropped))
                                : new Work(conn, live).run().replaceWith(new Outcome(toApply.size(), dropped));
                    });
        }));
    }

    /** The writes of one batch's live events, on the transaction's connection. */
    private final class Work {
        private final SqlConnection conn;
        private final List<ChatEvent> events;
        private final OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);

        Work(SqlConnection conn, List<ChatEvent> events) {
            this.conn = conn;
            this.events = events;
        }

        Uni<Void> run() {
            Set<String> stateful = new TreeSet<>();
            Set<String> messageOnly = new LinkedHashSet<>();
            for (ChatEvent e : events) {
                if (!(e instanceof ChatEvent.MessagePosted)) {
                    stateful.add(e.chatId());
                }
            }
            for (ChatEvent e : events) {
                if (!stateful.contains(e.chatId())) {
                    messageOnly.add(e.chatId());
                }
            }
            return chats(stateful)
                    .chain(() -> messageOnly.isEmpty() ? done()
                            : exec(ENSURE_CHATS, Tuple.of(messageOnly.toArray(String[]::new), now)))
                    .chain(this::agents)
                    .chain(this::access)
                    .chain(this::offers)
                    .chain(this::transfers)
                    .chain(this::requeues)
                    .chain(this::surveys)
                    .chain(this::messages)
                    .chain(this::tags)
                    .chain(this::assignments);
        }

        /** Loads (and locks) the chats that change, applies their events in order and writes them back. */
        private Uni<Void> chats(Set<String> ids) {
            if (ids.isEmpty()) {
                return done();
            }
            return conn.preparedQuery(LOAD_CHATS).execute(Tuple.of((Object) ids.toArray(String[]::new))).chain(rows -> {
                Map<String, ChatState> states = new LinkedHashMap<>();
                for (Row r : rows) {
                    states.put(r.getString(0), restore(r));
                }
                for (ChatEvent e : events) {
                    if (ids.contains(e.chatId())) {
                        states.computeIfAbsent(e.chatId(), ChatState::placeholder).apply(e);
                    }
                }
                return exec(UPSERT_CHATS, upsertTuple(states.values()));
            });
        }

        private Uni<Void> agents() {
            Map<String, ChatEvent.Assigned> last = new LinkedHashMap<>();
            for (ChatEvent e : events) {
                if (e instanceof ChatEvent.Assigned a) {
                    String key = a.chatId() + '\u0000' + a.agentId();
                    last.remove(key); // one row per (chat, agent) in the statement: the batch's last assignment wins
                    last.put(key, a);
                }
            }
            if (last.isEmpty()) {
                return done();
            }
            List<ChatEvent.Assigned> rows = new ArrayList<>(last.values());
            return exec(UPSERT_AGENTS, Tuple.of(
                    rows.stream().map(ChatEvent.Assigned::chatId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Assigned::agentId).toArray(String[]::new),
                    rows.stream().map(a -> a.agent() == null ? null : a.agent().displayName()).toArray(String[]::new),
                    rows.stream().map(a -> a.agent() == null ? null : a.agent().title()).toArray(String[]::new),
                    rows.stream().map(a -> a.agent() == null ? null : a.agent().avatarUrl()).toArray(String[]::new),
                    rows.stream().map(a -> at(a.assignedAt())).toArray(OffsetDateTime[]::new)));
        }

        private Uni<Void> access() {
            List<String> chats = new ArrayList<>();
            List<String> agents = new ArrayList<>();
            for (ChatEvent e : events) {
                String agent = switch (e) {
                    case ChatEvent.Offered o -> o.agentId();
                    case ChatEvent.Assigned a -> a.agentId();
                    case ChatEvent.Transferred t -> t.agentId();
                    default -> null;
                };
                if (agent != null) {
                    chats.add(e.chatId());
                    agents.add(agent);
                }
            }
            return chats.isEmpty() ? done()
                    : exec(ACCESS, Tuple.of(chats.toArray(String[]::new), agents.toArray(String[]::new)));
        }

        private Uni<Void> offers() {
            List<ChatEvent.Offered> rows = of(ChatEvent.Offered.class);
            return rows.isEmpty() ? done() : exec(OFFERS, Tuple.of(
                    rows.stream().map(ChatEvent.Offered::chatId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Offered::offerId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Offered::agentId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Offered::queueId).toArray(String[]::new),
                    rows.stream().map(o -> at(o.offeredAt())).toArray(OffsetDateTime[]::new),
                    rows.stream().map(o -> at(o.expiresAt())).toArray(OffsetDateTime[]::new)));
        }

        private Uni<Void> transfers() {
            List<ChatEvent.Transferred> rows = of(ChatEvent.Transferred.class);
            return rows.isEmpty() ? done() : exec(TRANSFERS, args(
                    rows.stream().map(ChatEvent.Transferred::chatId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Transferred::requestId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Transferred::fromAgentId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Transferred::queueId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Transferred::agentId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Transferred::note).toArray(String[]::new),
                    rows.stream().map(t -> at(t.transferredAt())).toArray(OffsetDateTime[]::new)));
        }

        /** chat.queued with reason agent-lost: the holding agent's hold ends then (released in {@link #assignments}). */
        private Uni<Void> requeues() {
            List<ChatEvent.Queued> rows = of(ChatEvent.Queued.class).stream().filter(ChatEvent.Queued::agentLost).toList();
            return rows.isEmpty() ? done() : exec(REQUEUES, Tuple.of(
                    rows.stream().map(ChatEvent.Queued::chatId).toArray(String[]::new),
                    rows.stream().map(q -> at(q.at())).toArray(OffsetDateTime[]::new),
                    rows.stream().map(ChatEvent.Queued::reason).toArray(String[]::new)));
        }

        private Uni<Void> surveys() {
            List<ChatEvent.Surveyed> rows = of(ChatEvent.Surveyed.class);
            return rows.isEmpty() ? done() : exec(SURVEYS, Tuple.of(
                    rows.stream().map(ChatEvent.Surveyed::chatId).toArray(String[]::new),
                    rows.stream().map(ChatEvent.Surveyed::csat).toArray(Integer[]::new),
                    rows.stream().map(ChatEvent.Surveyed::ces).toArray(Integer[]::new),
                    rows.stream().map(ChatEvent.Surveyed::comment).toArray(String[]::new),
                    rows.stream().map(s -> at(s.surveyedAt())).toArray(OffsetDateTime[]::new)));
        }

        private Uni<Void> messages() {
            List<ChatEvent.MessagePosted> rows = of(ChatEvent.MessagePosted.class);
            if (rows.isEmpty()) {
                return done();
            }
            int n = rows.size();
            String[] c = new String[n], m = new String[n], k = new String[n], f = new String[n], u = new String[n],
                    x = new String[n], l = new String[n], en = new String[n], ru = new String[n], sm = new String[n];
            Integer[] s = new Integer[n];
            OffsetDateTime[] a = new OffsetDateTime[n];
            for (int i = 0; i < n; i++) {
                ChatEvent.MessagePosted p = rows.get(i);
                SearchText.Parts parts = SearchText.index(p.text());
                c[i] = p.chatId();
                s[i] = p.seq();
                m[i] = p.messageId();
                k[i] = p.clientMsgId();
                f[i] = p.from();
                u[i] = p.senderId();
                x[i] = p.text();
                l[i] = p.language();
                a[i] = at(p.sentAt());
                en[i] = parts.english();
                ru[i] = parts.russian();
                sm[i] = parts.simple();
            }
            // a (chat, seq) already stored keeps its first copy; within the batch the first one is inserted first
            return exec(MESSAGES, args(new Object[] {c, s, m, k, f, u, x, l, a, en, ru, sm}));
        }

        /**
         * chat.tagged replaces the chat's tags: the batch's latest per chat (by taggedAt) wins, unless the chat's tags
         * were set later already (a REST edit, a newer event: {@code chat.tags_set_at}); an event without
         * {@code taggedAt} counts as made now.
         */
        private Uni<Void> tags() {
            Map<String, ChatEvent.Tagged> batch = new LinkedHashMap<>();
            for (ChatEvent.Tagged t : of(ChatEvent.Tagged.class)) {
                ChatEvent.Tagged before = batch.get(t.chatId());
                if (before == null || !taggedAt(t).isBefore(taggedAt(before))) { // the latest; of equals, the last consumed
                    batch.put(t.chatId(), t);
                }
            }
            if (batch.isEmpty()) {
                return done();
            }
            String[] ids = batch.keySet().toArray(String[]::new);
            OffsetDateTime[] ats = batch.values().stream().map(this::taggedAt).toArray(OffsetDateTime[]::new);
            return conn.preparedQuery(TAGS_CLAIM).execute(Tuple.of(ids, ats)).chain(claimed -> {
                Map<String, ChatEvent.Tagged> last = new LinkedHashMap<>();
                claimed.forEach(row -> last.put(row.getString(0), batch.get(row.getString(0))));
                return last.isEmpty() ? done() : replaceTags(last);
            });
        }

        private OffsetDateTime taggedAt(ChatEvent.Tagged t) {
            return t.taggedAt() == null ? now : at(t.taggedAt());
        }

        private Uni<Void> replaceTags(Map<String, ChatEvent.Tagged> last) {
            List<String> chats = new ArrayList<>();
            List<String> tags = new ArrayList<>();
            List<OffsetDateTime> times = new ArrayList<>();
            for (ChatEvent.Tagged t : last.values()) {
                for (String tag : t.tags()) {
                    chats.add(t.chatId());
                    tags.add(tag);
                    times.add(taggedAt(t));
                }
            }
            String[] chatArray = chats.toArray(String[]::new);
            String[] tagArray = tags.toArray(String[]::new);
            return exec(TAGS_DELETE, Tuple.of(last.keySet().toArray(String[]::new), chatArray, tagArray))
                    .chain(() -> tags.isEmpty() ? done()
                            : exec(TAGS_INSERT, Tuple.of(chatArray, tagArray, times.toArray(OffsetDateTime[]::new))));
        }

        /**
         * Assignment intervals and concurrency, for the chats with an assignment, a transfer, an agent-lost requeue or a
         * close in the batch.
         * The agents concerned are locked first (sorted, so two batches never wait on each other in a circle), and
         * before any assignment row is written: a batch recomputing an agent's concurrency then sees every
         * assignment of that agent another batch committed.
         */
        private Uni<Void> assignments() {
            Set<String> chats = new LinkedHashSet<>();
            List<ChatEvent.Assigned> assigned = new ArrayList<>();
            Set<String> agents = new TreeSet<>();
            for (ChatEvent e : events) {
                switch (e) {
                    case ChatEvent.Assigned a -> {
                        chats.add(a.chatId());
                        assigned.add(a);
                        agents.add(a.agentId());
                    }
                    case ChatEvent.Transferred t -> {
                        chats.add(t.chatId());
                        if (t.fromAgentId() != null) {
                            agents.add(t.fromAgentId());
                        }
                    }
                    case ChatEvent.Closed c -> chats.add(c.chatId());
                    case ChatEvent.Queued q when q.agentLost() -> chats.add(q.chatId());
                    default -> { }
                }
            }
            if (chats.isEmpty()) {
                return done();
            }
            String[] chatIds = chats.toArray(String[]::new);
            return conn.preparedQuery(AGENTS_OF).execute(Tuple.of((Object) chatIds)).chain(held -> {
                held.forEach(r -> agents.add(r.getString(0)));
                if (agents.isEmpty()) {
                    return done(); // closes of chats nobody was assigned to
                }
                Uni<Void> insert = assigned.isEmpty() ? done() : exec(ASSIGN, Tuple.of(
                        assigned.stream().map(ChatEvent.Assigned::chatId).toArray(String[]::new),
                        assigned.stream().map(ChatEvent.Assigned::agentId).toArray(String[]::new),
                        assigned.stream().map(a -> at(a.assignedAt())).toArray(OffsetDateTime[]::new)));
                return exec(LOCK_AGENTS, Tuple.of((Object) agents.toArray(String[]::new)))
                        .chain(() -> insert)
                        .chain(() -> exec(RELEASE, Tuple.of((Object) chatIds)))
                        .chain(() -> exec(CONCURRENCY, Tuple.of((Object) chatIds)));
            });
        }

        private <T extends ChatEvent> List<T> of(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (ChatEvent e : events) {
                if (type.isInstance(e)) {
                    out.add(type.cast(e));
                }
            }
            return out;
        }

        private Uni<Void> exec(String sql, Tuple args) {
            return conn.preparedQuery(sql).execute(args).replaceWithVoid();
        }

        private Tuple upsertTuple(java.util.Collection<ChatState> states) {
            int n = states.size();
            String[] id = new String[n], formId = new String[n], vn = new String[n], ve = new String[n], vl = new String[n],
                    cu = new String[n], form = new String[n], im = new String[n], q = new String[n], r = new String[n],
                    rs = new String[n], ag = new String[n], cb = new String[n], st = new String[n];
            Integer[] p = new Integer[n];
            OffsetDateTime[] rq = new OffsetDateTime[n], qu = new OffsetDateTime[n], asg = new OffsetDateTime[n],
                    cl = new OffsetDateTime[n];
            Boolean[] ph = new Boolean[n];
            int i = 0;
            for (ChatState s : states) {
                id[i] = s.chatId();
                formId[i] = s.formId();
                vn[i] = s.visitor().name();
                ve[i] = s.visitor().email();
                vl[i] = s.visitor().locale();
                cu[i] = s.visitor().customerId();
                form[i] = json(s.form() == null ? Map.of() : s.form());
                im[i] = s.initialMessage();
                q[i] = s.queueId();
                r[i] = s.ruleId();
                p[i] = s.priority();
                rs[i] = s.requiredSkills() == null ? null : json(s.requiredSkills());
                ag[i] = s.agentId();
                rq[i] = at(s.requestedAt());
                qu[i] = at(s.queuedAt());
                asg[i] = at(s.assignedAt());
                cl[i] = at(s.closedAt());
                cb[i] = s.closedBy();
                st[i] = s.status().name();
                ph[i] = s.placeholder();
                i++;
            }
            return args(new Object[] {id, formId, vn, ve, vl, cu, form, im, q, r, p, rs, ag, rq, qu, asg, cl, cb, st,
                    ph, now});
        }
    }

    private ChatState restore(Row r) {
        return ChatState.restore(r.getString(0), r.getString(1),
                new Visitor(r.getString(2), r.getString(3), r.getString(4), r.getString(5)),
                read(r.getString(6), FORM), r.getString(7), r.getString(8), r.getString(9), r.getInteger(10),
                r.getString(11) == null ? null : read(r.getString(11), SKILLS), r.getString(12), instant(r, 13),
                instant(r, 14), instant(r, 15), instant(r, 16), r.getString(17), ChatStatus.valueOf(r.getString(18)),
                r.getBoolean(19));
    }

    private <T> T read(String json, TypeReference<T> type) {
        try {
            return json == null ? null : mapper.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON unreadable", e);
        }
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static Instant instant(Row r, int column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    static OffsetDateTime at(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }

    /** A tuple of any length (Tuple.of stops at six). */
    private static Tuple args(Object... values) {
        return Tuple.from(values);
    }

    private static Uni<Void> done() {
        return Uni.createFrom().voidItem();
    }
}
