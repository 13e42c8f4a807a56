package io.chatroute.history.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer of {@code GET /api/v1/metrics}: the figures of all chats in the range ({@code total}) and of each group
 * (queue, agent, day or hour; {@code key} null for chats without a queue or agent), groups sorted by key. The
 * definitions (what starts and stops each clock) are in the README, <i>Metrics</i>.
 */
public record Metrics(Instant from, Instant to, String groupBy, Figures total, List<Figures> groups) {

    public Metrics {
        groups = List.copyOf(groups);
    }

    /** The CSAT concurrency levels always listed (the contract's 1 to 6); a higher level seen is listed too. */
    public static final int MAX_LISTED_CONCURRENCY = 6;

    /**
     * One group's figures. Times in seconds; a statistic with {@code count} 0 has null averages and percentiles.
     *
     * @param chats chats started in the range (with their {@code chat.requested})
     * @param abandoned of those, closed without an agent ever being assigned
     * @param answered of those, assigned to an agent at least once
     */
    public record Figures(String key, long chats, long abandoned, long answered, Durations waitSeconds,
                          Durations firstResponseSeconds, Durations responseSeconds, Durations handleSeconds,
                          Score csat, Score ces, List<ConcurrencyScore> csatByConcurrency) {
        public Figures {
            csatByConcurrency = List.copyOf(csatByConcurrency);
        }
    }

    /** A duration statistic: how many samples, their mean, median and 90th percentile (linear interpolation). */
    public record Durations(long count, Double avg, Double p50, Double p90) {
        public static final Durations NONE = new Durations(0, null, null, null);
    }

    /** A score's average (1-5) over {@code count} surveys that gave it. */
    public record Score(long count, Double avg) {
        public static final Score NONE = new Score(0, null);
    }

    /** CSAT of chats whose agent held {@code concurrency} chats (this one included) when it was assigned to them. */
    public record ConcurrencyScore(int concurrency, long surveys, Double csat) {
    }

    /** A row of the chat-level query: the group's counts and duration statistics. */
    public record ChatRow(String key, boolean total, long chats, long abandoned, long answered, Durations waiting,
                          Durations firstResponse, Durations handle, Score csat, Score ces) {
    }

    /** A row of the response-time query. */
    public record ResponseRow(String key, boolean total, Durations response) {
    }

    /** A row of the CSAT-by-concurrency query. */
    public record ConcurrencyRow(String key, boolean total, int concurrency, long surveys, Double csat) {
    }

    /** Puts the three queries' rows together; every group has concurrency levels 1 to 6 (empty ones with 0 surveys). */
    public static Metrics assemble(MetricsQuery q, List<ChatRow> chats, List<ResponseRow> responses,
                                   List<ConcurrencyRow> concurrency) {
        Map<String, ResponseRow> responseByKey = new LinkedHashMap<>();
        ResponseRow responseTotal = null;
        for (ResponseRow r : responses) {
            if (r.total()) {
                responseTotal = r;
            } else {
                responseByKey.put(r.key(), r);
            }
        }
        Map<String, List<ConcurrencyRow>> concurrencyByKey = new LinkedHashMap<>();
        List<ConcurrencyRow> concurrencyTotal = new ArrayList<>();
        for (ConcurrencyRow r : concurrency) {
            if (r.total()) {
                concurrencyTotal.add(r);
            } else {
                concurrencyByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
            }
        }
        Figures total = null;
        List<Figures> groups = new ArrayList<>();
        for (ChatRow c : chats) {
            if (c.total()) {
                total = figures(c, responseTotal, concurrencyTotal);
            } else {
                groups.add(figures(c, responseByKey.get(c.key()), concurrencyByKey.getOrDefault(c.key(), List.of())));
            }
        }
        if (total == null) {
            total = figures(new ChatRow(null, true, 0, 0, 0, Durations.NONE, Durations.NONE, Durations.NONE, Score.NONE,
                    Score.NONE), null, List.of());
        }
        groups.sort(Comparator.comparing(Figures::key, Comparator.nullsLast(Comparator.naturalOrder())));
        return new Metrics(q.from(), q.to(), q.groupBy().id(), total, groups);
    }

    private static Figures figures(ChatRow c, ResponseRow response, List<ConcurrencyRow> levels) {
        return new Figures(c.key(), c.chats(), c.abandoned(), c.answered(), c.waiting(), c.firstResponse(),
                response == null ? Durations.NONE : response.response(), c.handle(), c.csat(), c.ces(), byLevel(levels));
    }

    private static List<ConcurrencyScore> byLevel(List<ConcurrencyRow> rows) {
        Map<Integer, ConcurrencyScore> byLevel = new LinkedHashMap<>();
        for (int level = 1; level <= MAX_LISTED_CONCURRENCY; level++) {
            byLevel.put(level, new ConcurrencyScore(level, 0, null));
        }
        for (ConcurrencyRow r : rows) {
            byLevel.put(r.concurrency(), new ConcurrencyScore(r.concurrency(), r.surveys(), r.csat()));
        }
        return byLevel.values().stream().sorted(Comparator.comparingInt(ConcurrencyScore::concurrency)).toList();
    }

    /** Seconds rounded to milliseconds, or null. */
    public static Double seconds(Double s) {
        return s == null ? null : Math.round(s * 1000.0) / 1000.0;
    }

    /** An average score rounded to two decimals, or null. */
    public static Double score(Double s) {
        return s == null ? null : Math.round(s * 100.0) / 100.0;
    }
}
