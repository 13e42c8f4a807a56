package io.chatroute.loadtest;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.chatroute.infra.DevKeys;
import io.chatroute.infra.LocalSystem;
import io.chatroute.infra.ProcFs;

/**
 * One bounded run: (optionally) start the system, set up, connect the agents, measure the floor, run the load,
 * drain, clean up, check recovery, write the results. {@link #run()} never leaves a process it started running.
 */
final class LoadTest {

    /** The outcome of a run: the verdict and where the results are. */
    record Result(boolean pass, List<String> reasons, DeliveryLedger.Counts counts, long offersLost, Path directory,
                  Map<String, Object> json) {
    }

    private final Options o;
    private final Consumer<String> say;

    LoadTest(Options o, Consumer<String> say) {
        this.o = o;
        this.say = say;
    }

    Result run() throws Exception {
        Files.createDirectories(o.out);
        Instant startedAt = Instant.now();
        LocalSystem system = null;
        try {
            String sessionUrl = o.sessionUrl;
            String routingUrl = o.routingUrl;
            String knowledgeUrl = o.knowledgeUrl;
            String historyUrl = o.historyUrl;
            String kafka = o.kafka;
            String redis = o.redis;
            PrivateKey key;
            if (o.start) {
                say.accept("starting Kafka, PostgreSQL, Redis and the services from " + o.startRoot.toAbsolutePath().normalize());
                // as deploy/run-local.sh runs them: full tiered compilation, since a load run measures the steady state
                system = LocalSystem.start(new LocalSystem.Options().root(o.startRoot.toAbsolutePath().normalize())
                        .work(o.out.resolve("system")).heap(o.heap).jvmOpts(o.serviceJvmOpts).partitions(o.partitions)
                        .sessionInstances(o.sessions)
                        // a Redis killed by --kill comes back with its data (an append-only file), as a production one would
                        .durableRedis(o.faults.stream().anyMatch(f -> "redis".equals(f.service())))
                        // a broker that --kill can kill runs in a process of its own
                        .kafkaProcess(o.faults.stream().anyMatch(f -> "kafka".equals(f.service())))
                        .readyTimeout(Duration.ofSeconds(o.readyTimeoutSeconds)).say(say)
                        // every simulated visitor starts from 127.0.0.1: the per-address start limit would refuse them
                        .property("session-service", "chatroute.limits.starts-per-minute-per-address", "100000000")
                        // knowledge does not repeat a chat's suggestions, so most messages would get none and the
                        // message → suggestions latency would go unmeasured: it answers every message (items may be [])
                        .property("knowledge-service", "chatroute.knowledge.suggestions.publish-empty", "true"));
                sessionUrl = String.join(",", system.nodes("session-service").stream().map(LocalSystem.Node::baseUrl).toList());
                routingUrl = system.url("routing-service");
                knowledgeUrl = system.url("knowledge-service");
                historyUrl = system.url("history-service");
                kafka = system.kafka();
                redis = system.redis();
                key = system.privateKey();
            } else {
                if (!Files.isRegularFile(o.privateKey)) {
                    throw new Options.UsageException(o.privateKey + " does not exist: run deploy/run-local.sh first, "
                            + "pass --key, or use --start");
                }
                key = DevKeys.readPrivateKey(o.privateKey);
            }
            // --start picks its own ports; they are loopback too, but check what is actually targeted
            List<URI> sessions = java.util.Arrays.stream(sessionUrl.split(",")).map(String::trim).map(URI::create).toList();
            for (URI s : sessions) {
                Options.requireLoopback("session", s.getHost());
            }
            Options.requireLoopback("routing", URI.create(routingUrl).getHost());
            Options.requireLoopback("knowledge", URI.create(knowledgeUrl).getHost());
            Options.requireLoopback("history", URI.create(historyUrl).getHost());
            Options.requireLoopback("kafka", Options.hostOf(kafka.split(",")[0]));
            Options.requireLoopback("redis", URI.create(redis).getHost());
            return measure(system, startedAt, sessions, URI.create(routingUrl), URI.create(knowledgeUrl),
                    URI.create(historyUrl), kafka, redis, key);
        } finally {
            if (system != null) {
                say.accept("stopping the services and the infrastructure");
                system.close();
            }
        }
    }

    private Result measure(LocalSystem system, Instant startedAt, List<URI> sessions, URI routing, URI knowledge, URI history,
            String kafka, String redis, PrivateKey key) throws Exception {
        // the processes' pids, followed across a --kill's restart (synchronised: the fault thread updates them)
        Map<String, Long> pids = java.util.Collections.synchronizedMap(new LinkedHashMap<>(system == null ? Map.of() : system.pids()));
        List<Map<String, Object>> rssTimeline = new ArrayList<>();
        List<Map<String, Object>> throughput = new ArrayList<>();
        Map<String, Long> cpuPids = java.util.Collections.synchronizedMap(new LinkedHashMap<>(pids));
        cpuPids.put("load tool", ProcessHandle.current().pid());
        URI session = sessions.getFirst();
        try (Simulation sim = new Simulation(o, sessions, routing, knowledge, key, say);
             Floor floor = new Floor(kafka, redis, o.floorRate);
             ConsumerLag lag = new ConsumerLag(kafka);
             // closed before the system is stopped (run's finally): no fault thread restarts a service after that
             Faults faults = new Faults(system, o.faults, sim::elapsedSeconds, Duration.ofSeconds(o.readyTimeoutSeconds), say,
                     (name, pid) -> {
                         pids.put(name, pid);
                         cpuPids.put(name, pid);
                     })) {
            say.accept("setting up: form '" + Simulation.FORM + "', queues, rules, " + o.agents + " agents (cap " + o.cap + ")");
            sim.setUp();
            sim.connectAgents();
            say.accept(o.agents + " agents connected and AVAILABLE");
            // the same probe as at the end, on the system before the load: what "as fast as on a fresh start" means here
            Simulation.Probe before = sim.probe();
            say.accept("probe before the load: " + before.detail());
            floor.start();
            say.accept(String.format(Locale.ROOT, "%s: %d concurrent chats, arrivals %.0f/s, %.0f visitor messages/s, "
                    + "reply ratio %.2f, %d s (warm-up %d s), handle time lognormal median %.0f s",
                    o.scenario, o.chats, o.arrivalRate, o.messageRate, o.replyRatio, o.durationSeconds, o.warmupSeconds,
                    o.handleMedianSeconds));
            long[] last = new long[4];
            // CPU seconds per process over the measured part (after the warm-up): where the machine's time goes
            Map<String, Double> cpuAtStart = new LinkedHashMap<>();
            double[] cpuWindowStart = {-1};
            // the window's start as the main thread reads it (set last, after cpuAtStart: one reference publishes all):
            // the chat messages sent by then and Redis's counters, for the work per message over the window
            AtomicReference<WindowStart> windowStart = new AtomicReference<>();
            sim.startLoad(() -> {
                if (!sim.ticking()) {
                    return;
                }
                double t = Math.round(sim.elapsedSeconds());
                boolean measuring = sim.measuring();
                if (measuring && cpuWindowStart[0] < 0) {
                    cpuWindowStart[0] = sim.elapsedSeconds();
                    cpuPids.forEach((name, pid) -> cpuAtStart.put(name, ProcFs.cpuSeconds(pid)));
                    Map<String, JitStats.Reading> jit = new LinkedHashMap<>();
                    cpuPids.forEach((name, pid) -> jit.put(name, JitStats.read(pid)));
                    windowStart.set(new WindowStart(cpuWindowStart[0], sim.ledger.counts().sent(),
                            CompletableFuture.supplyAsync(() -> RedisCommandStats.readQuietly(redis)), jit));
                }
                sim.metrics.forEach(m -> m.tick(t, measuring));
                floor.kafka.tick(t, measuring);
                floor.redis.tick(t, measuring);
                DeliveryLedger.Counts v = sim.ledger.counts(DeliveryLedger.Side.VISITOR);
                DeliveryLedger.Counts a = sim.ledger.counts(DeliveryLedger.Side.AGENT);
                Map<String, Object> c = sim.counters();
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("t", t);
                point.put("chatsOpen", c.get("chatsOpen"));
                point.put("visitorSent", v.sent() - last[0]);
                point.put("visitorDelivered", v.delivered() - last[1]);
                point.put("agentSent", a.sent() - last[2]);
                point.put("agentDelivered", a.delivered() - last[3]);
                throughput.add(point);
                last[0] = v.sent();
                last[1] = v.delivered();
                last[2] = a.sent();
                last[3] = a.delivered();
                if (!pids.isEmpty() && ((long) t) % 5 == 0) {
                    Map<String, Object> rss = new LinkedHashMap<>();
                    rss.put("t", t);
                    pids.forEach((name, pid) -> {
                        long kib = ProcFs.rssKib(pid);
                        if (kib >= 0) { // not while a --kill's restart is under way (the old pid is gone)
                            rss.put(name, kib / 1024.0);
                        }
                    });
                    rssTimeline.add(rss);
                }
                if (!o.quiet) {
                    say.accept(String.format(Locale.ROOT,
                            "[%4.0fs] chats open %d started %s offered %s | visitor msgs sent %d acked %d delivered %d "
                                    + "| agent msgs %d/%d/%d | p99 ms offer %s v→a %s a→v %s sugg %s | floor p99 kafka %s "
                                    + "redis %s | errors %d",
                            t, c.get("chatsOpen"), c.get("chatsStarted"), c.get("chatsOffered"), v.sent(), v.acked(),
                            v.delivered(), a.sent(), a.acked(), a.delivered(), ms(sim.startToOffer.lastP99()),
                            ms(sim.visitorToAgent.lastP99()), ms(sim.agentToVisitor.lastP99()),
                            ms(sim.toSuggestions.lastP99()), ms(floor.kafka.lastP99()), ms(floor.redis.lastP99()),
                            ((Map<?, ?>) c.get("errorFrames")).values().stream().mapToLong(x -> (Long) x).sum()));
                }
            });
            faults.start();
            Simulation.pause(o.durationSeconds * 1000L); // the load runs on the event loop for its duration
            Set<String> restarted = faults.restartedServices();
            Map<String, Object> cpu = new LinkedHashMap<>();
            Map<String, Object> jitWork = new LinkedHashMap<>();
            WindowStart start = windowStart.get();
            long sentInWindow = start == null ? 0 : sim.ledger.counts().sent() - start.sent();
            if (start != null) {
                double window = sim.elapsedSeconds() - start.seconds();
                cpu.put("windowSeconds", window);
                cpu.put("cores", Runtime.getRuntime().availableProcessors());
                // the same work costs more CPU in a slow phase of a shared host: per message, runs compare by it
                cpu.put("messages", sentInWindow);
                Map<String, Object> per = new LinkedHashMap<>();
                cpuPids.forEach((name, pid) -> {
                    if (restarted.contains(name)) {
                        return; // two processes over the window: not one figure
                    }
                    double now = ProcFs.cpuSeconds(pid);
                    Double then = cpuAtStart.get(name);
                    if (now >= 0 && then != null && then >= 0) {
                        per.put(name, now - then);
                    }
                });
                cpu.put("seconds", per);
                Map<String, JitStats.Reading> jitNow = new LinkedHashMap<>();
                cpuPids.forEach((name, pid) -> {
                    if (!restarted.contains(name)) {
                        jitNow.put(name, JitStats.read(pid));
                    }
                });
                jitWork.putAll(JitStats.window(start.jit(), jitNow));
                if (!restarted.isEmpty()) {
                    cpu.put("notCounted", List.copyOf(restarted));
                }
            }
            // read after the CPU and the count above (a slow read does not stretch their window); none when Redis was
            // restarted in the window (its counters started again)
            Map<String, Object> redisWork = start == null || restarted.contains("redis") ? Map.of() : RedisCommandStats.window(
                    start.redis().completeOnTimeout(RedisCommandStats.Reading.NONE, 10, TimeUnit.SECONDS).join(),
                    RedisCommandStats.readQuietly(redis), sentInWindow, 8);
            // a restart still under way holds the drain back: the drain measures the system whole again
            long faultWait = System.nanoTime();
            List<Faults.Outcome> faultOutcomes = faults.await();
            if (!faultOutcomes.isEmpty()) {
                say.accept(String.format(Locale.ROOT, "faults: waited %.1f s after the load for the last restart",
                        (System.nanoTime() - faultWait) / 1e9));
            }
            say.accept("load stopped; draining (at most " + o.drainSeconds + " s)");
            Simulation.DrainResult drain = sim.drain();
            double tEnd = Math.ceil(sim.elapsedSeconds());
            sim.onLoop(() -> {
                sim.metrics.forEach(m -> m.tick(tEnd, true));
                floor.kafka.tick(tEnd, true);
                floor.redis.tick(tEnd, true);
                return null;
            });
            DeliveryLedger.Counts total = sim.ledger.counts();
            DeliveryLedger.Counts visitor = sim.ledger.counts(DeliveryLedger.Side.VISITOR);
            DeliveryLedger.Counts agent = sim.ledger.counts(DeliveryLedger.Side.AGENT);
            Simulation.OfferCount unoffered = sim.unoffered();
            List<DeliveryLedger.Message> lostSamples = sim.ledger.lost(20);
            Map<String, Object> counters = sim.counters();
            // messages still answered by neither an ack nor an error (reported, not judged: nothing was acknowledged)
            List<String> unanswered = total.unacked() > 0 ? sim.unansweredSamples(20) : List.of();
            say.accept(drain.settled() ? "drained in " + drain.millis() + " ms"
                    : "not drained after " + drain.millis() + " ms: " + total.lost() + " messages still undelivered, "
                    + unoffered.unoffered() + " chats without an offer, " + total.unacked() + " messages answered by neither "
                    + "an ack nor an error");
            unanswered.forEach(u -> say.accept("  unanswered: " + u));
            floor.close();
            say.accept("closing every chat, agents OFFLINE");
            sim.cleanUp();

            // ------------------------------------------------------------ recovery
            say.accept("recovery: waiting for the consumers to catch up (lag 0; on the stats feed, everything published "
                    + SETTLE_SECONDS + " s before consumed; at most " + o.lagTimeoutSeconds + " s)");
            Map<String, Object> afterCleanUp = sim.counters();
            Map<String, Object> cleanUp = new LinkedHashMap<>();
            for (String k : List.of("closesSent", "closesOverRest", "chatStartsUnanswered", "startsRetriedAtCleanUp",
                    "startRetriesUnanswered")) {
                cleanUp.put(k, afterCleanUp.get(k));
            }
            say.accept("clean-up: " + cleanUp);
            Recovery recovery = recovery(lag, sessions.stream().map(DeliveryLag::new).toList(), sim, before, cpuPids);
            say.accept(recovery.summary());

            // ------------------------------------------------------------ the record
            RecordCheck.Result record = record(history, key, sim.ledger.expectedRecord());
            say.accept("record: " + record.summary());

            Map<String, Object> rss = new LinkedHashMap<>();
            pids.forEach((name, pid) -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("pid", pid);
                r.put("rssMiB", ProcFs.rssKib(pid) / 1024.0);
                rss.put(name, r);
            });

            // ------------------------------------------------------------ verdict
            long offersLost = unoffered.freeSlots() > 0 ? unoffered.unoffered() : 0;
            List<String> reasons = new ArrayList<>();
            if (total.lost() > 0) {
                reasons.add(total.lost() + " acknowledged messages never delivered (visitor→agent " + visitor.lost()
                        + ", agent→visitor " + agent.lost() + ")");
            }
            if (total.duplicates() > 0) {
                reasons.add(total.duplicates() + " messages delivered twice");
            }
            if (total.reordered() > 0) {
                reasons.add(total.reordered() + " messages delivered out of seq order");
            }
            if (total.refusedButStored() > 0) {
                reasons.add(total.refusedButStored() + " messages refused for good by an error frame and stored all the same "
                        + "(acknowledged or delivered)");
            }
            long beyondCap = (Long) counters.get("capViolations");
            if (beyondCap > 0) {
                reasons.add(beyondCap + " offers to agents that already held their cap (" + o.cap + ") of assigned chats, none of "
                        + "which they had asked to close");
            }
            if (offersLost > 0) {
                reasons.add(offersLost + " chats never offered while agents had " + unoffered.freeSlots() + " free slots");
            }
            long created = (Long) counters.get("chatsCreated");
            long startedChats = (Long) counters.get("chatsStarted");
            if (created == 0) {
                reasons.add("no chat could be started");
            } else if (created < startedChats) {
                reasons.add((startedChats - created) + " of " + startedChats + " chat starts refused, failed or unanswered "
                        + counters.get("postStatuses") + ", unanswered " + counters.get("chatStartsUnanswered"));
            }
            long reconnectsFailed = (Long) counters.get("reconnectsFailed");
            if (reconnectsFailed > 0) {
                reasons.add(reconnectsFailed + " visitors or agents could not connect again within " + Simulation.RECONNECT_SECONDS
                        + " s after their socket closed");
            }
            if (!recovery.ok()) {
                reasons.add("recovery: " + recovery.summary());
            }
            faultOutcomes.stream().filter(f -> !f.ok()).forEach(f -> reasons.add("fault " + f.summary()));
            if (!record.ok()) {
                reasons.add("record: " + record.summary());
            }
            boolean pass = reasons.isEmpty();

            Map<String, Object> json = Report.json(o, startedAt, system != null, session, routing, kafka, redis, sim, floor,
                    drain, total, visitor, agent, unoffered, offersLost, lostSamples, counters, recovery, rss, rssTimeline,
                    throughput, pass, reasons);
            json.put("cpu", cpu);
            json.put("redisCommands", redisWork);
            json.put("jit", jitWork);
            json.put("unansweredSamples", unanswered);
            json.put("cleanUp", cleanUp);
            json.put("faults", faultOutcomes.stream().map(Faults.Outcome::json).toList());
            json.put("record", record.json());
            Report.write(o.out, json, sim, floor);
            say.accept("");
            say.accept(Report.table(sim, floor, total, visitor, agent, offersLost, unoffered, counters, recovery, rss)
                    + Report.cpuLine(cpu) + RedisCommandStats.line(redisWork)
                    + JitStats.line(jitWork, cpu.get("windowSeconds") instanceof Number n ? n.doubleValue() : 0));
            faultOutcomes.forEach(f -> say.accept("fault: " + f.summary()));
            Object capAt = counters.get("maxChatsReachedAtSeconds");
            if (capAt != null) {
                say.accept("note: --max-chats (" + o.maxChats + ") was reached " + capAt + " s into the run: no chat started "
                        + "after that, so the rest of the run measured fewer chats than --chats (raise --max-chats)");
            }
            say.accept(pass ? "VERDICT: PASS" : "VERDICT: FAIL\n  - " + String.join("\n  - ", reasons));
            say.accept("results: " + o.out.toAbsolutePath().normalize() + " (results.json, report.html)");
            return new Result(pass, reasons, total, offersLost, o.out, json);
        }
    }

    /**
     * The recovery check: the lag of every active consumer group, and of session-service's delivery consumer (which
     * never commits: {@link DeliveryLag}; null when it cannot be read), drains to 0, then a probe chat is offered (beside
     * the probe before the load); then the CPU the processes use at rest ({@code restCpu}: CPU seconds per second over
     * {@link #REST_SECONDS}, by process; empty when the tool did not start them).
     */
    record Recovery(Map<String, ConsumerLag.GroupLag> initial, Map<String, ConsumerLag.GroupLag> last, boolean lagOk,
                    long lagDrainedMillis, List<String> orphaned, Long deliveryLagInitial, Long deliveryLag,
                    Simulation.Probe before, Simulation.Probe probe, Map<String, Double> restCpu) {
        boolean ok() {
            return lagOk && probe != null && probe.offered();
        }

        String summary() {
            long remaining = ConsumerLag.active(last).stream().mapToLong(ConsumerLag.GroupLag::lag).sum();
            String delivery = deliveryLag == null ? " (session's delivery lag unknown)"
                    : " (session's delivery consumer: " + deliveryLag + ", from " + deliveryLagInitial + ")";
            String lagText = !lagOk ? "consumer lag still " + remaining + delivery + " after " + lagDrainedMillis + " ms"
                    : remaining == 0 ? "consumer lag 0" + delivery + " after " + lagDrainedMillis + " ms"
                    : "consumers caught up" + delivery + " after " + lagDrainedMillis + " ms (event topics at lag 0; "
                            + "the stats feed consumed up to " + SETTLE_SECONDS + " s before: " + live(last) + ")";
            String orphans = orphaned.isEmpty() ? "" : "; orphaned groups (no members) with lag: " + orphaned;
            String was = before == null || !before.offered() ? "" : " (before the load: " + before.offerMillis() + " ms)";
            String rest = restCpu.isEmpty() ? "" : String.format(Locale.ROOT, "; CPU at rest %.1f %% of a core",
                    100 * restCpu.values().stream().mapToDouble(Double::doubleValue).sum());
            return lagText + "; " + (probe == null ? "no probe" : probe.detail()) + was + rest + orphans;
        }

        /** Where a lag that is not 0 lies: group/topic=records. */
        private static String live(Map<String, ConsumerLag.GroupLag> groups) {
            List<String> out = new java.util.ArrayList<>();
            ConsumerLag.active(groups).forEach(g -> g.perTopic().forEach((topic, n) -> {
                if (n > 0) {
                    out.add(g.group() + "/" + topic + "=" + n);
                }
            }));
            return String.join(", ", out);
        }
    }

    static final int REST_SECONDS = 10;

    /** One transcript read: its messages into {@code transcripts}, or what went wrong into {@code why}. */
    private static void fetchTranscript(java.net.http.HttpClient http, URI history, String token, String chatId,
                                        Map<String, List<RecordCheck.Stored>> transcripts, Map<String, String> why) {
        try {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                            history.resolve("/api/v1/transcripts/" + chatId)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json").GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                why.put(chatId, "HTTP " + r.statusCode());
                return;
            }
            List<RecordCheck.Stored> stored = new ArrayList<>();
            io.vertx.core.json.JsonArray messages = new io.vertx.core.json.JsonObject(r.body()).getJsonArray("messages");
            for (int i = 0; messages != null && i < messages.size(); i++) {
                io.vertx.core.json.JsonObject m = messages.getJsonObject(i);
                stored.add(new RecordCheck.Stored(m.getLong("seq", -1L), Simulation.keyOf(m.getString("text"))));
            }
            transcripts.put(chatId, stored);
        } catch (java.io.IOException | RuntimeException e) {
            why.put(chatId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why.put(chatId, "interrupted");
        }
    }

    /**
     * Reads every chat's transcript from history-service (as a platform, 4 requests at a time) and checks it against
     * what the run acknowledged ({@link RecordCheck}). Run after the recovery check: the consumers have caught up.
     */
    private RecordCheck.Result record(URI history, PrivateKey key, Map<String, List<RecordCheck.Expected>> expected)
            throws InterruptedException {
        String token = io.chatroute.infra.DevTokens.mint(key, "loadtest-record", Duration.ofHours(1), "platform");
        Map<String, List<RecordCheck.Stored>> transcripts = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, String> why = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (String chatId : expected.keySet()) {
                done.add(pool.submit(() -> {
                    // a second try after a failure: one slow answer is not a record that lost something
                    for (int attempt = 1; attempt <= 2 && !transcripts.containsKey(chatId)
                            && !Thread.currentThread().isInterrupted(); attempt++) {
                        fetchTranscript(http, history, token, chatId, transcripts, why);
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return RecordCheck.check(expected, transcripts, why);
    }

    /**
     * Recovery: on the periodic feed {@code stats-events} (a {@code stats.updated} every second while a chat waits) a
     * group has drained when it has consumed everything published this long before ({@link Backlog}): twice the 5 s
     * commit interval of the throttled groups. The event topics must reach lag 0.
     */
    static final int SETTLE_SECONDS = 10;

    private Recovery recovery(ConsumerLag lag, List<DeliveryLag> delivery, Simulation sim, Simulation.Probe before,
                              Map<String, Long> pids) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + Duration.ofSeconds(o.lagTimeoutSeconds).toNanos();
        Backlog backlog = new Backlog(Duration.ofSeconds(SETTLE_SECONDS).toNanos(), Set.of("stats-events"));
        Map<String, ConsumerLag.GroupLag> initial = lag.measure();
        long measured = System.nanoTime();
        backlog.saw(measured, lag.lastEnds());
        Map<String, ConsumerLag.GroupLag> last = initial;
        Long deliveryInitial = deliveryLag(lag, delivery);
        Long deliveryLast = deliveryInitial;
        boolean ok = false;
        while (true) {
            // unknown counts as drained only when the gauge was never readable (an older session-service); once read,
            // a failed read (the endpoint briefly busy) is not taken for 0
            boolean deliveryDrained = deliveryInitial == null ? deliveryLast == null || deliveryLast == 0
                    : deliveryLast != null && deliveryLast == 0;
            if (backlog.drained(ConsumerLag.active(last), measured) && deliveryDrained) {
                ok = true;
                break;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
            Simulation.pause(500);
            last = lag.measure();
            measured = System.nanoTime();
            backlog.saw(measured, lag.lastEnds());
            deliveryLast = deliveryLag(lag, delivery);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        List<String> orphaned = last.values().stream().filter(g -> g.members() == 0 && g.lag() > 0)
                .map(g -> g.group() + "=" + g.lag()).toList();
        Simulation.Probe probe = sim.probe();
        Map<String, Double> rest = new LinkedHashMap<>();
        if (pids.size() > 1) { // the services and infrastructure the tool started, and itself
            Map<String, Double> at = new LinkedHashMap<>();
            pids.forEach((name, pid) -> at.put(name, ProcFs.cpuSeconds(pid)));
            long r0 = System.nanoTime();
            Simulation.pause(REST_SECONDS * 1000L);
            double seconds = (System.nanoTime() - r0) / 1e9;
            pids.forEach((name, pid) -> {
                double now = ProcFs.cpuSeconds(pid);
                Double then = at.get(name);
                if (now >= 0 && then != null && then >= 0) {
                    rest.put(name, (now - then) / seconds);
                }
            });
        }
        return new Recovery(initial, last, ok, millis, orphaned, deliveryInitial, deliveryLast, before, probe, rest);
    }

    /**
     * The delivery consumers' lag summed over session-service's instances, or null when one instance's positions cannot
     * be read.
     */
    private static Long deliveryLag(ConsumerLag lag, List<DeliveryLag> delivery) throws InterruptedException {
        long sum = 0;
        for (DeliveryLag d : delivery) {
            Map<org.apache.kafka.common.TopicPartition, Long> positions = d.positions();
            if (positions == null) {
                return null;
            }
            sum += DeliveryLag.lag(positions, lag.endOffsets(positions.keySet()));
        }
        return sum;
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
    }

    /** The measured window's start: when (seconds into the run), the chat messages sent by then, Redis's counters. */
    private record WindowStart(double seconds, long sent, CompletableFuture<RedisCommandStats.Reading> redis,
                               Map<String, JitStats.Reading> jit) {
    }
}
