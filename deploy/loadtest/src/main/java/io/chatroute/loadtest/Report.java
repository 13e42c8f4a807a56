package io.chatroute.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import io.vertx.core.json.JsonObject;

/** The results of a run: results.json, a self-contained report.html (Chart.js inlined) and the console table. */
final class Report {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> unchecked(Object o) {
        return (Map<String, Object>) o;
    }

    private Report() {
    }

    static Map<String, Object> json(Options o, Instant startedAt, boolean started, URI session, URI routing, String kafka,
            String redis, Simulation sim, Floor floor, Simulation.DrainResult drain, DeliveryLedger.Counts total,
            DeliveryLedger.Counts visitor, DeliveryLedger.Counts agent, Simulation.OfferCount unoffered, long offersLost,
            List<DeliveryLedger.Message> lostSamples, Map<String, Object> counters, LoadTest.Recovery recovery,
            Map<String, Object> rss, List<Map<String, Object>> rssTimeline, List<Map<String, Object>> throughput,
            boolean pass, List<String> reasons) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("runId", o.runId);
        run.put("scenario", o.scenario);
        run.put("startedAt", startedAt.toString());
        run.put("finishedAt", Instant.now().toString());
        run.put("mode", started ? "--start (" + o.startRoot.toAbsolutePath().normalize() + ")" : "existing system");
        run.put("java", System.getProperty("java.version"));
        run.put("cpus", Runtime.getRuntime().availableProcessors());
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("agents", o.agents);
        opts.put("cap", o.cap);
        opts.put("chats", o.chats);
        opts.put("maxChats", o.maxChats);
        opts.put("arrivalRate", o.arrivalRate);
        opts.put("messageRate", o.messageRate);
        opts.put("replyRatio", o.replyRatio);
        opts.put("durationSeconds", o.durationSeconds);
        opts.put("warmupSeconds", o.warmupSeconds);
        opts.put("drainSeconds", o.drainSeconds);
        opts.put("handleMedianSeconds", o.handleMedianSeconds);
        opts.put("handleSigma", o.handleSigma);
        opts.put("burstFactor", o.burstFactor);
        opts.put("seed", o.seed);
        opts.put("floorRate", o.floorRate);
        opts.put("heap", o.heap);
        opts.put("sessions", o.sessions);
        opts.put("kill", o.faults.stream().map(Options.Fault::toString).toList());
        run.put("options", opts);
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("session", session.toString());
        target.put("routing", routing.toString());
        target.put("kafka", kafka);
        target.put("redis", redis);
        run.put("target", target);
        root.put("run", run);

        Map<String, Object> verdict = new LinkedHashMap<>();
        verdict.put("pass", pass);
        verdict.put("reasons", reasons);
        root.put("verdict", verdict);

        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("visitorMessages", counts(visitor));
        counts.put("agentMessages", counts(agent));
        counts.put("total", counts(total));
        counts.put("offersLost", offersLost);
        counts.put("unofferedAtDrainEnd", unoffered.unoffered());
        counts.put("freeSlotsAtDrainEnd", unoffered.freeSlots());
        counts.putAll(counters);
        List<Map<String, Object>> lost = new ArrayList<>();
        for (DeliveryLedger.Message m : lostSamples) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("key", m.key);
            l.put("chatId", m.chatId);
            l.put("from", m.from.name().toLowerCase(Locale.ROOT));
            l.put("ackSeq", m.ackSeq);
            lost.add(l);
        }
        counts.put("lostSamples", lost);
        root.put("counts", counts);
        Map<String, Object> drained = new LinkedHashMap<>();
        drained.put("settled", drain.settled());
        drained.put("millis", drain.millis());
        root.put("drain", drained);

        LatencyStats kafkaFloor = floor.kafka.stats();
        LatencyStats redisFloor = floor.redis.stats();
        Map<String, Object> latency = new LinkedHashMap<>();
        for (LatencyMetric m : sim.metrics) {
            LatencyStats s = m.stats();
            Map<String, Object> l = stats(m.label, s);
            l.put("ratioToKafkaFloor", ratios(s.ratiosTo(kafkaFloor)));
            l.put("ratioToRedisFloor", ratios(s.ratiosTo(redisFloor)));
            latency.put(m.name, l);
        }
        root.put("latencyMs", latency);
        Map<String, Object> floorJson = new LinkedHashMap<>();
        floorJson.put("kafka", stats(floor.kafka.label + ", topic " + Floor.TOPIC + ", " + Floor.RECORD_BYTES + " B, "
                + o.floorRate + "/s", kafkaFloor));
        floorJson.put("redis", stats(floor.redis.label + ", " + o.floorRate + "/s", redisFloor));
        floorJson.put("kafkaErrors", floor.kafkaErrors.get());
        floorJson.put("redisErrors", floor.redisErrors.get());
        root.put("floorMs", floorJson);

        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("ok", recovery.ok());
        rec.put("lagDrained", recovery.lagOk());
        rec.put("lagMillis", recovery.lagDrainedMillis());
        rec.put("lagAtStart", lags(recovery.initial()));
        rec.put("lagLast", lags(recovery.last()));
        rec.put("orphanedGroupsWithLag", recovery.orphaned());
        rec.put("deliveryLagAtStart", recovery.deliveryLagInitial());
        rec.put("deliveryLag", recovery.deliveryLag());
        rec.put("probe", probe(recovery.probe()));
        rec.put("probeBeforeLoad", recovery.before() == null ? null : probe(recovery.before()));
        rec.put("restCpuCoresPerProcess", recovery.restCpu());
        rec.put("restSeconds", LoadTest.REST_SECONDS);
        root.put("recovery", rec);
        root.put("rss", rss);
        root.put("rssTimelineMiB", rssTimeline);

        Map<String, Object> timeline = new LinkedHashMap<>();
        List<LatencyMetric> all = new ArrayList<>(sim.metrics);
        all.add(floor.kafka);
        all.add(floor.redis);
        for (LatencyMetric m : all) {
            List<Map<String, Object>> points = new ArrayList<>();
            for (LatencyMetric.Point p : m.timeline()) {
                Map<String, Object> pt = new LinkedHashMap<>();
                pt.put("t", p.atSeconds());
                pt.put("n", p.count());
                pt.put("p50", num(p.p50()));
                pt.put("p99", num(p.p99()));
                pt.put("max", num(p.max()));
                points.add(pt);
            }
            timeline.put(m.name, points);
        }
        root.put("latencyTimeline", timeline);
        root.put("throughputTimeline", throughput);
        Map<String, Object> histograms = new LinkedHashMap<>();
        for (LatencyMetric m : all) {
            histograms.put(m.name, buckets(m.totalCopy()));
        }
        root.put("histograms", histograms);
        Map<String, Object> labels = new LinkedHashMap<>();
        all.forEach(m -> labels.put(m.name, m.label));
        root.put("labels", labels);
        return root;
    }

    private static Map<String, Object> counts(DeliveryLedger.Counts c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sent", c.sent());
        m.put("acked", c.acked());
        m.put("delivered", c.delivered());
        m.put("lost", c.lost());
        m.put("duplicated", c.duplicates());
        m.put("reordered", c.reordered());
        m.put("seqMismatches", c.seqMismatches());
        m.put("unacked", c.unacked());
        m.put("refused", c.refused());
        if (c.refusedButStored() > 0) {
            m.put("refusedButStored", c.refusedButStored());
        }
        m.put("postMessages", c.postMessages());
        m.put("postMessagesDelivered", c.postDelivered());
        if (c.unknownDeliveries() > 0) {
            m.put("unknownDeliveries", c.unknownDeliveries());
        }
        return m;
    }

    private static Map<String, Object> stats(String label, LatencyStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", label);
        m.put("count", s.count());
        m.put("p50", num(s.p50()));
        m.put("p90", num(s.p90()));
        m.put("p99", num(s.p99()));
        m.put("p99.9", num(s.p999()));
        m.put("max", num(s.max()));
        m.put("mean", num(s.mean()));
        if (!s.onlyTheMax().isEmpty()) {
            m.put("percentilesThatAreTheMax", s.onlyTheMax());
        }
        return m;
    }

    private static Map<String, Object> ratios(double[] r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < r.length; i++) {
            m.put(LatencyStats.NAMES[i], num(r[i]));
        }
        return m;
    }

    private static Map<String, Object> lags(Map<String, ConsumerLag.GroupLag> lags) {
        Map<String, Object> m = new LinkedHashMap<>();
        lags.forEach((id, g) -> {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("lag", g.lag());
            l.put("members", g.members());
            l.put("state", g.state());
            l.put("perTopic", g.perTopic());
            m.put(id, l);
        });
        return m;
    }

    /** Logarithmic buckets (100 µs, doubling) with their counts: {le: upper bound in ms, n}. */
    static List<Map<String, Object>> buckets(Histogram h) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (h.getTotalCount() == 0) {
            return out;
        }
        for (HistogramIterationValue v : h.logarithmicBucketValues(100, 2.0)) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("le", v.getValueIteratedTo() / 1000.0);
            b.put("n", v.getCountAddedInThisIterationStep());
            out.add(b);
        }
        return out;
    }

    /** NaN and infinities become null in JSON. */
    private static Object num(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : null;
    }

    static void write(Path dir, Map<String, Object> json, Simulation sim, Floor floor) throws IOException {
        Files.createDirectories(dir);
        String encoded = new JsonObject(json).encodePrettily();
        Files.writeString(dir.resolve("results.json"), encoded);
        Files.writeString(dir.resolve("report.html"), html(new JsonObject(json).encode()));
    }

    // ------------------------------------------------------------------ the console table

    /** CPU seconds per process over the measured window, and their share of the machine (all cores). */
    static String cpuLine(Map<String, Object> cpu) {
        if (cpu.isEmpty()) {
            return "";
        }
        double window = (Double) cpu.get("windowSeconds");
        int cores = (Integer) cpu.get("cores");
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "CPU over the measured %.0f s (%d cores = %.0f s):",
                window, cores, window * cores));
        double sum = 0;
        for (Map.Entry<String, Object> e : unchecked(cpu.get("seconds")).entrySet()) {
            double sec = (Double) e.getValue();
            sum += sec;
            b.append(String.format(Locale.ROOT, " %s %.1f;", e.getKey(), sec));
        }
        b.append(String.format(Locale.ROOT, " total %.1f s = %.0f %% of the machine", sum, 100 * sum / (window * cores)));
        // per message only for the whole system: not when a process was restarted, nor without --start (the load tool alone)
        if (cpu.get("messages") instanceof Long messages && messages > 0 && !cpu.containsKey("notCounted")
                && unchecked(cpu.get("seconds")).size() > 1) {
            b.append(String.format(Locale.ROOT, ", %.1f ms per chat message sent (%d)", 1000 * sum / messages, messages));
        }
        if (cpu.get("notCounted") instanceof List<?> restarted && !restarted.isEmpty()) {
            b.append(" (not counted: ").append(restarted.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")))
                    .append(", restarted by --kill)");
        }
        return b.append(String.format("%n")).toString();
    }

    private static Map<String, Object> probe(Simulation.Probe p) {
        Map<String, Object> probe = new LinkedHashMap<>();
        probe.put("offered", p.offered());
        probe.put("offerMillis", p.offerMillis());
        probe.put("detail", p.detail());
        return probe;
    }

    static String table(Simulation sim, Floor floor, DeliveryLedger.Counts total, DeliveryLedger.Counts visitor,
            DeliveryLedger.Counts agent, long offersLost, Simulation.OfferCount unoffered, Map<String, Object> counters,
            LoadTest.Recovery recovery, Map<String, Object> rss) {
        StringBuilder b = new StringBuilder();
        LatencyStats kafka = floor.kafka.stats();
        LatencyStats redis = floor.redis.stats();
        b.append(String.format(Locale.ROOT, "%-40s %8s %8s %8s %8s %8s %8s   %s%n", "latency (ms)", "count", "p50", "p90",
                "p99", "p99.9", "max", "ratio to the Kafka floor p50/p90/p99/p99.9/max"));
        for (LatencyMetric m : sim.metrics) {
            LatencyStats s = m.stats();
            b.append(row(m.label, s));
            double[] r = s.ratiosTo(kafka);
            b.append("   ");
            for (int i = 0; i < r.length; i++) {
                b.append(i == 0 ? "" : " / ").append(Double.isNaN(r[i]) ? "-" : String.format(Locale.ROOT, "%.1fx", r[i]));
            }
            b.append('\n');
        }
        b.append(row("floor: Kafka produce→consume", kafka)).append('\n');
        b.append(row("floor: Redis PING round trip", redis)).append('\n');
        for (LatencyMetric m : sim.metrics) {
            LatencyStats s = m.stats();
            if (!s.onlyTheMax().isEmpty()) {
                b.append(String.format(Locale.ROOT, "note: %s has %d samples, so its %s %s the slowest sample, not a "
                                + "percentile: compare p50 and p90, or measure longer%n", m.label, s.count(),
                        String.join(" and ", s.onlyTheMax()), s.onlyTheMax().size() == 1 ? "is" : "are"));
            }
        }
        b.append('\n');
        b.append(String.format(Locale.ROOT, "%-16s %8s %8s %10s %6s %11s %10s %9s %9s %14s%n", "messages", "sent", "acked",
                "delivered", "lost", "duplicated", "reordered", "refused", "unacked", "seq mismatch"));
        b.append(countRow("visitor→agent", visitor));
        b.append(countRow("agent→visitor", agent));
        b.append(String.format(Locale.ROOT, "first messages (POST body) delivered to the agent: %d of %d%n",
                visitor.postDelivered(), visitor.postMessages()));
        b.append(String.format(Locale.ROOT, "chats: started %s, created %s (POST answers %s, unanswered %s), offered %s, re-offers %s, "
                        + "assigned %s, agent.joined seen %s, closed %s (not by the tool: %s); offers lost %d (unoffered %d, free slots %d); "
                        + "offers declined as full %s, offers beyond the cap %s%n",
                counters.get("chatsStarted"), counters.get("chatsCreated"), counters.get("postStatuses"),
                counters.get("chatStartsUnanswered"), counters.get("chatsOffered"), counters.get("reOffers"), counters.get("chatsAssigned"),
                counters.get("agentJoinedSeen"), counters.get("chatClosedSeen"), counters.getOrDefault("chatsClosedElsewhere", 0L), offersLost, unoffered.unoffered(),
                unoffered.freeSlots(), counters.get("offersDeclinedFull"), counters.get("capViolations")));
        b.append(String.format(Locale.ROOT, "suggestions frames %s (open chats whose latest message has none: %s); error frames %s; socket "
                        + "failures %s, unexpected closes %s%n",
                counters.get("suggestionFrames"), counters.get("chatsAwaitingSuggestions"), counters.get("errorFrames"),
                counters.get("socketFailures"),
                counters.get("unexpectedSocketCloses")));
        b.append(String.format(Locale.ROOT, "reconnects: visitors %s, agents %s, given up %s; frames sent again %s, messages "
                + "delivered again after a resume %s; chat starts asked again on another instance %s%n",
                counters.get("visitorReconnects"), counters.get("agentReconnects"), counters.get("reconnectsFailed"),
                counters.get("framesResent"), counters.get("redeliveredAfterResume"), counters.get("startRetries")));
        b.append("recovery: ").append(recovery.ok() ? "OK" : "FAILED").append(" — ").append(recovery.summary()).append('\n');
        if (!recovery.initial().isEmpty()) {
            b.append("  lag when the recovery check started: ");
            recovery.initial().values().forEach(g -> b.append(g.group()).append('=').append(g.lag())
                    .append(g.members() == 0 ? "(no members) " : " "));
            b.append('\n');
        }
        if (!rss.isEmpty()) {
            b.append("RSS at the end (MiB):");
            rss.forEach((name, r) -> b.append(String.format(Locale.ROOT, " %s %.0f;", name,
                    (Double) ((Map<?, ?>) r).get("rssMiB"))));
            b.append('\n');
        }
        return b.toString();
    }

    private static String row(String label, LatencyStats s) {
        return String.format(Locale.ROOT, "%-40s %8d %8s %8s %8s %8s %8s", label, s.count(), LoadTest.ms(s.p50()),
                LoadTest.ms(s.p90()), LoadTest.ms(s.p99()), LoadTest.ms(s.p999()), LoadTest.ms(s.max()));
    }

    private static String countRow(String label, DeliveryLedger.Counts c) {
        return String.format(Locale.ROOT, "%-16s %8d %8d %10d %6d %11d %10d %9d %9d %14d%n", label, c.sent(), c.acked(),
                c.delivered(), c.lost(), c.duplicates(), c.reordered(), c.refused(), c.unacked(), c.seqMismatches());
    }

    // ------------------------------------------------------------------ the HTML page

    static String html(String json) throws IOException {
        String chartJs = chartJs();
        String template;
        try (InputStream in = Report.class.getResourceAsStream("/report-template.html")) {
            if (in == null) {
                throw new IOException("report-template.html is missing from the classpath");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // nothing inlined may close the script element early
        return template.replace("/*CHART_JS*/", chartJs.replace("</script", "<\\/script"))
                .replace("/*DATA*/null", json.replace("</", "<\\/"));
    }

    /** Chart.js's UMD bundle from the org.webjars.npm:chart.js jar on the classpath. */
    static String chartJs() throws IOException {
        Properties build = new Properties();
        try (InputStream in = Report.class.getResourceAsStream("/loadtest-build.properties")) {
            build.load(in);
        }
        String path = "/META-INF/resources/webjars/chart.js/" + build.getProperty("chartjs.version") + "/dist/chart.umd.js";
        try (InputStream in = Report.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException(path + " is missing from the classpath (org.webjars.npm:chart.js)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
