package io.chatroute.history.persistence;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.chatroute.history.domain.ChatStatus;
import io.chatroute.history.domain.Csv;
import io.chatroute.history.domain.TranscriptQuery;
import io.chatroute.history.domain.TranscriptSummary;
import io.chatroute.history.domain.Viewer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The transcript list, full-text search and the CSV export (reactive SQL client; the export reads through a
 * cursor, {@value #FETCH} rows at a time, and writes each group of rows to the response as soon as it has it).
 *
 * <p>Filters: customer, queue, agent (any agent the chat was assigned to), start time ({@code from} inclusive,
 * {@code to} exclusive, on {@code coalesce(requested_at, created_at)}), tags (all of them), {@code q} (a message of
 * the chat holds every word: {@code message.search} against the query parts of
 * {@link io.chatroute.history.domain.SearchText}),
 * and the viewer (an agent sees only chats in {@code chat_access} for them). Newest first.
 */
@ApplicationScoped
public class TranscriptSearch {

    /** Rows fetched from the cursor at a time; also the rows written to the response in one chunk. */
    static final int FETCH = 200;
    /** Marks the export's statements in pg_stat_activity (the streaming test looks for it). */
    public static final String EXPORT_MARK = "/* transcript-export */";

    private final Pool pool;

    public TranscriptSearch(Pool pool) {
        this.pool = pool;
    }

    /** A page of transcripts and the number of matches in all. */
    public record Page(List<TranscriptSummary> items, long total) {
    }

    /** What a CSV export has one line per. */
    public enum Rows { CHATS, MESSAGES }

    /** The WHERE clause and its arguments ($1…). */
    private record Where(String sql, List<Object> args) {
        int next() {
            return args.size() + 1;
        }
    }

    static final String CHAT_COLUMNS = "c.id, c.status, c.customer_id, c.visitor_name, c.queue_id, c.agent_id,"
            + " c.requested_at, c.closed_at, c.closed_by,"
            + " (SELECT array_agg(a.agent_id ORDER BY a.assigned_at, a.agent_id) FROM chat_agent a WHERE a.chat_id = c.id)";
    static final String ORDER = " ORDER BY coalesce(c.requested_at, c.created_at) DESC, c.id DESC";

    public Uni<Page> page(TranscriptQuery q, Viewer viewer) {
        Where w = where(q, viewer);
        List<Object> pageArgs = new ArrayList<>(w.args());
        pageArgs.add(q.size());
        pageArgs.add((long) q.offset());
        String list = "SELECT " + CHAT_COLUMNS + " FROM chat c" + w.sql() + ORDER
                + " LIMIT $" + (w.next()) + " OFFSET $" + (w.next() + 1);
        String count = "SELECT count(*) FROM chat c" + w.sql();
        return pool.withConnection(conn -> conn.preparedQuery(count).execute(Tuple.from(w.args()))
                .chain(total -> conn.preparedQuery(list).execute(Tuple.from(pageArgs)).map(rows -> {
                    List<TranscriptSummary> items = new ArrayList<>();
                    for (Row r : rows) {
                        items.add(summary(r));
                    }
                    return new Page(items, total.iterator().next().getLong(0));
                })));
    }

    /**
     * Every matching chat (or every message of the matching chats, in seq order) as CSV lines, header first, read
     * through a cursor inside a read-only transaction and emitted as demanded: never the whole result in memory.
     */
    public Multi<String> export(TranscriptQuery q, Viewer viewer, Rows rows) {
        Where w = where(q, viewer);
        String sql;
        String header;
        if (rows == Rows.CHATS) {
            header = Csv.line(List.of("chatId", "status", "customerId", "visitorName", "queueId", "agentId", "agentIds",
                    "tags", "requestedAt", "closedAt", "closedBy", "messages", "csat", "ces"));
            sql = EXPORT_MARK + " SELECT " + CHAT_COLUMNS + ","
                    + " (SELECT string_agg(t.tag, ' ' ORDER BY t.tag) FROM chat_tag t WHERE t.chat_id = c.id),"
                    + " (SELECT count(*) FROM message m WHERE m.chat_id = c.id), s.csat, s.ces"
                    + " FROM chat c LEFT JOIN chat_survey s ON s.chat_id = c.id" + w.sql() + ORDER;
        } else {
            header = Csv.line(List.of("chatId", "customerId", "queueId", "seq", "sentAt", "from", "senderId", "language",
                    "text"));
            sql = EXPORT_MARK + " SELECT c.id, c.customer_id, c.queue_id, m.seq, m.sent_at, m.sender_kind, m.sender_id,"
                    + " m.language, m.text FROM chat c JOIN message m ON m.chat_id = c.id" + w.sql() + ORDER + ", m.seq";
        }
        Multi<String> lines = Multi.createFrom().resourceFromUni(
                        () -> pool.getConnection().chain(conn -> conn.begin().map(tx -> new Cursor(conn, tx))),
                        cursor -> cursor.conn().prepare(sql).onItem()
                                .transformToMulti(ps -> ps.createStream(FETCH, Tuple.from(w.args())).toMulti()))
                .withFinalizer(Cursor::close)
                .map(r -> rows == Rows.CHATS ? chatLine(r) : messageLine(r))
                .group().intoLists().of(FETCH)
                .map(group -> String.join("", group));
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(header), lines);
    }

    /** The connection and read-only transaction a cursor lives in; closed however the stream ends. */
    private record Cursor(SqlConnection conn, Transaction tx) {
        Uni<Void> close() {
            return tx.rollback().onFailure().recoverWithNull().replaceWithVoid()
                    .eventually(() -> conn.close().onFailure().recoverWithNull());
        }
    }

    private static String chatLine(Row r) {
        TranscriptSummary s = summary(r);
        return Csv.line(Arrays.asList(s.chatId(), s.status().name(), s.customerId(), s.visitorName(), s.queueId(),
                s.agentId(), String.join(" ", s.agentIds()), r.getString(10), s.requestedAt(), s.closedAt(), s.closedBy(),
                r.getLong(11), r.getInteger(12), r.getInteger(13)));
    }

    private static String messageLine(Row r) {
        return Csv.line(Arrays.asList(r.getString(0), r.getString(1), r.getString(2), r.getInteger(3),
                instant(r.getOffsetDateTime(4)), r.getString(5), r.getString(6), r.getString(7), r.getString(8)));
    }

    private static TranscriptSummary summary(Row r) {
        String[] agents = r.getArrayOfStrings(9);
        return new TranscriptSummary(r.getString(0), ChatStatus.valueOf(r.getString(1)), r.getString(2), r.getString(3),
                r.getString(4), r.getString(5), agents == null ? List.of() : List.of(agents),
                instant(r.getOffsetDateTime(6)), instant(r.getOffsetDateTime(7)), r.getString(8));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /** Only the conditions the query has: a handful of statement shapes, each planned for what it filters. */
    private static Where where(TranscriptQuery q, Viewer viewer) {
        StringBuilder sql = new StringBuilder(" WHERE true");
        List<Object> args = new ArrayList<>();
        if (q.customerId() != null) {
            args.add(q.customerId());
            sql.append(" AND c.customer_id = $").append(args.size());
        }
        if (q.queueId() != null) {
            args.add(q.queueId());
            sql.append(" AND c.queue_id = $").append(args.size());
        }
        if (q.agentId() != null) {
            args.add(q.agentId());
            int i = args.size();
            sql.append(" AND (c.agent_id = $").append(i)
                    .append(" OR EXISTS (SELECT 1 FROM chat_agent a WHERE a.chat_id = c.id AND a.agent_id = $").append(i)
                    .append("))");
        }
        if (q.from() != null) {
            args.add(EventWriter.at(q.from()));
            sql.append(" AND coalesce(c.requested_at, c.created_at) >= $").append(args.size());
        }
        if (q.to() != null) {
            args.add(EventWriter.at(q.to()));
            sql.append(" AND coalesce(c.requested_at, c.created_at) < $").append(args.size());
        }
        for (String tag : q.tags()) {
            args.add(tag);
            sql.append(" AND EXISTS (SELECT 1 FROM chat_tag t WHERE t.chat_id = c.id AND t.tag = $").append(args.size())
                    .append(')');
        }
        if (q.search() != null) {
            StringBuilder match = new StringBuilder();
            if (q.search().english() != null) {
                args.add(q.search().english());
                match.append(" AND m.search @@ plainto_tsquery('english', $").append(args.size()).append(')');
            }
            if (q.search().russian() != null) {
                args.add(q.search().russian());
                match.append(" AND m.search @@ plainto_tsquery('russian', $").append(args.size()).append(')');
            }
            if (q.search().simple() != null) {
                args.add(q.search().simple());
                match.append(" AND m.search @@ to_tsquery('simple', $").append(args.size()).append(')');
            }
            sql.append(" AND c.id IN (SELECT m.chat_id FROM message m WHERE true").append(match).append(')');
        }
        if (viewer.restrictedTo() != null) {
            args.add(viewer.restrictedTo());
            sql.append(" AND EXISTS (SELECT 1 FROM chat_access x WHERE x.chat_id = c.id AND x.agent_id = $")
                    .append(args.size()).append(')');
        }
        return new Where(sql.toString(), args);
    }
}
