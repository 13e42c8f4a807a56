package io.chatroute.history.persistence;

import java.util.ArrayList;
import java.util.List;

import io.chatroute.history.domain.Metrics;
import io.chatroute.history.domain.MetricsQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The metrics, computed by PostgreSQL from the record (README, <i>Metrics</i>, has the definitions): one query for
 * the chat-level figures, one for the response times, one for CSAT by concurrency, each grouped by the key and in
 * total ({@code GROUPING SETS}). Four statement shapes per query (one per {@code groupBy}), prepared once.
 */
@ApplicationScoped
public class MetricsStore {

    /** The chats of the range, one row each, with what the figures need. $1 from, $2 to. */
    static final String FACTS = """
            WITH c AS (
              SELECT ch.id, %s AS k,
                     coalesce(ch.requested_at, ch.created_at) AS started, ch.closed_at,
                     (SELECT min(a.assigned_at) FROM chat_assignment a WHERE a.chat_id = ch.id) AS first_assigned,
                     (SELECT a.concurrency FROM chat_assignment a WHERE a.chat_id = ch.id
                       ORDER BY a.assigned_at DESC LIMIT 1) AS concurrency,
                     (SELECT m.sent_at FROM message m WHERE m.chat_id = ch.id AND m.sender_kind = 'agent'
                       ORDER BY m.seq LIMIT 1) AS first_agent_at,
                     s.csat, s.ces
              FROM chat ch LEFT JOIN chat_survey s ON s.chat_id = ch.id
              WHERE NOT ch.placeholder AND coalesce(ch.requested_at, ch.created_at) >= $1
                AND coalesce(ch.requested_at, ch.created_at) < $2),
            f AS (
              SELECT c.*,
                     CASE WHEN first_assigned IS NOT NULL
                          THEN greatest(0, extract(epoch FROM first_assigned - started)) END AS wait_s,
                     CASE WHEN first_agent_at IS NOT NULL
                          THEN greatest(0, extract(epoch FROM first_agent_at - started)) END AS frt_s,
                     CASE WHEN first_assigned IS NOT NULL AND closed_at IS NOT NULL
                          THEN greatest(0, extract(epoch FROM closed_at - first_assigned)) END AS handle_s
              FROM c)
            """;
    static final String CHATS = FACTS + """
            SELECT k, GROUPING(k) = 1, count(*),
                   count(*) FILTER (WHERE closed_at IS NOT NULL AND first_assigned IS NULL),
                   count(first_assigned),
                   count(wait_s), avg(wait_s)::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_s),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_s),
                   count(frt_s), avg(frt_s)::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY frt_s),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY frt_s),
                   count(handle_s), avg(handle_s)::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY handle_s),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY handle_s),
                   count(csat), avg(csat)::float8, count(ces), avg(ces)::float8
            FROM f GROUP BY GROUPING SETS ((k), ())""";
    /**
     * Response times: each agent message after the first that follows visitor messages no agent message answered
     * yet, measured from the earliest of those; messages in seq order, bot and system messages left out.
     */
    static final String RESPONSES = FACTS + """
            , m AS (
              SELECT m.chat_id, m.sender_kind, m.sent_at,
                     count(*) FILTER (WHERE m.sender_kind = 'agent') OVER (PARTITION BY m.chat_id ORDER BY m.seq
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS agents_before
              FROM message m JOIN c ON c.id = m.chat_id WHERE m.sender_kind IN ('agent', 'visitor')),
            v AS (SELECT chat_id, agents_before AS n, min(sent_at) AS asked FROM m
                  WHERE sender_kind = 'visitor' AND agents_before >= 1 GROUP BY 1, 2),
            a AS (SELECT chat_id, agents_before AS n, sent_at FROM m WHERE sender_kind = 'agent'),
            r AS (SELECT c.k, greatest(0, extract(epoch FROM a.sent_at - v.asked)) AS s
                  FROM v JOIN a ON a.chat_id = v.chat_id AND a.n = v.n JOIN c ON c.id = v.chat_id)
            SELECT k, GROUPING(k) = 1, count(s), avg(s)::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY s),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY s)
            FROM r GROUP BY GROUPING SETS ((k), ())""";
    static final String CONCURRENCY = FACTS + """
            SELECT k, GROUPING(k) = 1, concurrency, count(*), avg(csat)::float8
            FROM f WHERE csat IS NOT NULL AND concurrency IS NOT NULL
            GROUP BY GROUPING SETS ((k, concurrency), (concurrency))""";

    private final Pool pool;

    public MetricsStore(Pool pool) {
        this.pool = pool;
    }

    static String key(MetricsQuery.GroupBy groupBy) {
        return switch (groupBy) {
            case QUEUE -> "ch.queue_id";
            case AGENT -> "ch.agent_id";
            case DAY -> "to_char(coalesce(ch.requested_at, ch.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
            case HOUR -> "to_char(coalesce(ch.requested_at, ch.created_at) AT TIME ZONE 'UTC',"
                    + " 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')";
        };
    }

    public Uni<Metrics> metrics(MetricsQuery q) {
        String key = key(q.groupBy());
        Tuple range = Tuple.of(EventWriter.at(q.from()), EventWriter.at(q.to()));
        return pool.withConnection(conn -> conn.preparedQuery(CHATS.formatted(key)).execute(range).chain(chatRows -> {
            List<Metrics.ChatRow> chats = new ArrayList<>();
            for (Row r : chatRows) {
                chats.add(new Metrics.ChatRow(r.getString(0), r.getBoolean(1), r.getLong(2), r.getLong(3), r.getLong(4),
                        durations(r, 5), durations(r, 9), durations(r, 13),
                        new Metrics.Score(r.getLong(17), Metrics.score(r.getDouble(18))),
                        new Metrics.Score(r.getLong(19), Metrics.score(r.getDouble(20)))));
            }
            return conn.preparedQuery(RESPONSES.formatted(key)).execute(range).chain(responseRows -> {
                List<Metrics.ResponseRow> responses = new ArrayList<>();
                for (Row r : responseRows) {
                    responses.add(new Metrics.ResponseRow(r.getString(0), r.getBoolean(1), durations(r, 2)));
                }
                return conn.preparedQuery(CONCURRENCY.formatted(key)).execute(range).map(levelRows -> {
                    List<Metrics.ConcurrencyRow> levels = new ArrayList<>();
                    for (Row r : levelRows) {
                        levels.add(new Metrics.ConcurrencyRow(r.getString(0), r.getBoolean(1), r.getInteger(2),
                                r.getLong(3), Metrics.score(r.getDouble(4))));
                    }
                    return Metrics.assemble(q, chats, responses, levels);
                });
            });
        }));
    }

    /** count, avg, p50, p90 from four columns starting at {@code i}. */
    private static Metrics.Durations durations(Row r, int i) {
        long count = r.getLong(i);
        return count == 0 ? Metrics.Durations.NONE
                : new Metrics.Durations(count, Metrics.seconds(r.getDouble(i + 1)), Metrics.seconds(r.getDouble(i + 2)),
                        Metrics.seconds(r.getDouble(i + 3)));
    }
}
