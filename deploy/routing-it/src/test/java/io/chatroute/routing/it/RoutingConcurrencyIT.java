package io.chatroute.routing.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.chatroute.infra.LocalSystem;
import io.chatroute.infra.test.EventSchemas;
import io.chatroute.routing.it.StreamCheck.Agent;
import io.chatroute.routing.it.StreamCheck.Ev;
import io.chatroute.routing.it.StreamCheck.Report;

/**
 * Issue 6's concurrency test: two routing-service <b>processes</b> (the packaged jar, {@link LocalSystem}), real Kafka
 * and Redis, one consumer group over 4 partitions per topic, so both processes handle events and dispatch at the same
 * time. The test plays session-service: it publishes session's events (each checked against session-service's JSON
 * Schema) for 200 agents and 5,000 chats (2,000 by default, {@code -Drouting.it.chats}), and reacts to routing's
 * events as agents and visitors would:
 * <ul>
 * <li>offers accepted, declined, left to expire (queues with 5 s offer timeouts), or accepted too late;</li>
 * <li>chats closed after a lognormal handle time, some by visitors while waiting, some transferred to a queue or to
 * another agent;</li>
 * <li>presence flaps: AWAY and back, OFFLINE requested (active chats go back to the front of their queues), a lost
 * socket (disconnected: the grace period) with a reconnect ({@code agent.connected}) within it or not; agents set AWAY
 * by routing for missed offers come back.</li>
 * </ul>
 * It then drains (everyone AVAILABLE, every offer accepted, some chats kept active) and checks routing's event stream
 * with {@link StreamCheck}: no agent ever above its cap, no chat with two agents at once, every chat ends closed,
 * active or offline, and no chat waited longer than 30 s while an eligible agent had room (dispatch skipped it or lost
 * its trigger; the sweep, the safety net, runs every 90 s here). It also
 * checks routing's own view at the end (each agent's {@code activeChats} = the chats the stream says it holds), that
 * both processes made offers and raced for claims, and that nothing was released twice or reconciled.
 * <p>
 * Figures: printed and in {@code target/routing-it/figures.txt}; service logs in {@code target/routing-it/logs/}.
 */
class RoutingConcurrencyIT {
    private static final int AGENTS = Integer.getInteger("routing.it.agents", 200);
    private static final int CHATS = Integer.getInteger("routing.it.chats", 2000);
    private static final double RATE = Double.parseDouble(System.getProperty("routing.it.rate", "20"));
    /**
     * How long a chat may wait while an eligible agent has room: 30 s. This is a check of routing's logic, not of its
     * speed (the load tool measures that): a chat that dispatch skips, or whose trigger was lost, waits until the next
     * trigger of its queue or the dispatch sweep, which this test sets to {@link #SWEEP_SECONDS} so that a lost trigger
     * shows. The bound was 3 s (with the default 5 s sweep) until 2026-12-06, when three fresh-clone CI runs on a noisy
     * host (the same single-threaded work took 1.6 to 2.6 s from one run to the next) saw waits of 6.6, 14 and 16 s with
     * no fault (runs alone on the same build: under 2.1 s). The figures report the worst wait actually seen.
     */
    private static final long DISPATCH_DELAY_MS = Long.getLong("routing.it.dispatch.delay.ms", 30_000);
    /** The dispatch sweep (the safety net for lost triggers) of the routing processes in this test; the default is 5 s. */
    private static final int SWEEP_SECONDS = Integer.getInteger("routing.it.sweep.seconds", 90);
    /**
     * The routing processes run with C1 only ({@code -XX:TieredStopAtLevel=1}, as the e2e system does): what this test
     * checks is routing's logic (no missed dispatch, no cap broken), and in a run this short two cold JVMs' C2
     * compilation on a 2-core runner is what delays dispatch, not that logic. Measured on this machine, 2,000 chats,
     * waits with an eligible agent with room: with C2, p99 865-1,002 ms in the first 20 s of arrivals and 149-270 ms
     * after, max 1,094-1,488 (CI runs reached 3.1 s and 5.7 s); 108 CPU seconds for the two processes (a JFR showed
     * more than 5 s of C2 compilations per 10 s in one process in the first minute). With C1: p99 157-663 / 91-308 ms,
     * max 286-1,003, 72-89 CPU seconds. Long-running services keep tiered compilation (steady-state latency is better with C2; see the
     * root README). {@code -Drouting.it.fast-start=false} runs them with C2.
     */
    private static final boolean FAST_START = Boolean.parseBoolean(System.getProperty("routing.it.fast-start", "true"));
    private static final int GRACE_SECONDS = 4;
    private static final int COOLDOWN_SECONDS = 8;
    private static final int KEEP_ACTIVE = 120;
    private static final String SESSION = "/session-service";

    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final Path WORK = TARGET.resolve("routing-it");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static LocalSystem system;
    private static String admin;

    // ------------------------------------------------------------ what the test drives
    private static final Map<String, Agent> agents = new LinkedHashMap<>();
    private static final List<String> agentIds = new ArrayList<>();
    private final List<Ev> stream = new ArrayList<>(); // written by the reader thread only; read after it stopped
    private final Set<String> available = ConcurrentHashMap.newKeySet();
    private final Set<String> seenIds = ConcurrentHashMap.newKeySet();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong positionUpdates = new AtomicLong();
    private final AtomicLong seq = new AtomicLong();
    private final Map<String, Schemas> schemas = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(3);
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Map<String, String> currentOffer = new ConcurrentHashMap<>();   // chat -> offer it has now (driver's view)
    private final Map<String, String> assignedOffer = new ConcurrentHashMap<>();  // chat -> offer assigned
    private final Set<String> closed = ConcurrentHashMap.newKeySet();
    private final Set<String> keptActive = ConcurrentHashMap.newKeySet();
    private final Set<String> flapping = ConcurrentHashMap.newKeySet();
    private final Map<String, String> queueOfChat = new ConcurrentHashMap<>();
    private final AtomicInteger requested = new AtomicInteger();
    private final Map<String, Integer> lastActive = new ConcurrentHashMap<>(); // agent -> active of its latest capacity event
    private final Map<String, String> lastStatus = new ConcurrentHashMap<>();  // agent -> status of its latest presence event
    private KafkaProducer<String, String> producer;
    private Thread reader;

    /** A producer's schemas, compiled once per event type. */
    private record Schemas(JsonSchema schema) {
    }

    @BeforeAll
    static void start() {
        Path repo = Path.of(System.getProperty("chatroute.repo.root", "../..")).toAbsolutePath().normalize();
        system = LocalSystem.start(new LocalSystem.Options().root(repo).work(WORK).services("routing-service").routingInstances(2)
                .partitions(4).heap("320m").fastStart(FAST_START).jvmOpts(System.getProperty("routing.it.jvm.opts", ""))
                .readyTimeout(Duration.ofSeconds(Long.getLong("routing.it.ready.timeout.seconds", 240)))
                .property("routing-service", "chatroute.routing.disconnect-grace-seconds", Integer.toString(GRACE_SECONDS))
                .property("routing-service", "chatroute.routing.decline-cooldown-seconds", Integer.toString(COOLDOWN_SECONDS))
                .property("routing-service", "chatroute.routing.dispatch-sweep-interval", SWEEP_SECONDS + "s")
                .property("routing-service", "quarkus.log.level", "WARN")
                .say(line -> System.out.println("[routing-it] " + line)));
        admin = system.token("admin-routing-it", Duration.ofHours(2), "admin");
        // should this JVM end abruptly, the routing processes end with it
        Runtime.getRuntime().addShutdownHook(new Thread(() -> system.close(), "routing-it-stop"));
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void twoProcessesKeepEveryInvariant() throws Exception {
        configure();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", system.kafka(), "acks", "all", "linger.ms", "1",
                "enable.idempotence", "true"), new StringSerializer(), new StringSerializer());
        reader = new Thread(this::read, "routing-it-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            run();
        } finally {
            stopped.set(true);
            timer.shutdownNow();
            reader.join(10_000);
            producer.close(Duration.ofSeconds(10));
        }
    }

    // ------------------------------------------------------------ configuration through routing's REST API

    private void configure() {
        String r1 = system.nodes("routing-service").get(0).baseUrl();
        put(r1 + "/api/v1/forms/it", """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["billing","tech","sales","vip","night"]},
                           {"name":"lang","type":"select","options":["en","de"]}]}""");
        put(r1 + "/api/v1/queues/q-billing", "{\"name\":\"Billing\",\"requiredSkills\":{\"billing\":1},\"offerTimeoutSeconds\":8}");
        put(r1 + "/api/v1/queues/q-tech", "{\"name\":\"Tech\",\"requiredSkills\":{\"tech\":1},\"offerTimeoutSeconds\":8}");
        put(r1 + "/api/v1/queues/q-sales", "{\"name\":\"Sales\",\"requiredSkills\":{\"sales\":1},\"offerTimeoutSeconds\":5}");
        put(r1 + "/api/v1/queues/q-vip", "{\"name\":\"VIP\",\"requiredSkills\":{\"billing\":5},\"priority\":10,\"offerTimeoutSeconds\":5}");
        // closed all through the test: a day that is neither today nor tomorrow (UTC)
        DayOfWeek closedDay = OffsetDateTime.now(ZoneOffset.UTC).getDayOfWeek().plus(3);
        put(r1 + "/api/v1/queues/q-night", """
                {"name":"Night","requiredSkills":{"billing":1},"businessHours":{"timezone":"UTC","weekly":[{"days":["%s"],"from":"01:00","to":"02:00"}]}}"""
                .formatted(closedDay.name().substring(0, 3)));
        put(r1 + "/api/v1/routing/rules", """
                [{"id":"billing-de","when":{"topic":"billing","lang":"de"},"queueId":"q-billing","requiredSkills":{"lang:de":1}},
                 {"id":"billing","when":{"topic":"billing"},"queueId":"q-billing"},
                 {"id":"tech","when":{"topic":"tech"},"queueId":"q-tech"},
                 {"id":"sales","when":{"topic":"sales"},"queueId":"q-sales"},
                 {"id":"vip","when":{"topic":"vip"},"queueId":"q-vip","priority":10},
                 {"id":"night","when":{"topic":"night"},"queueId":"q-night"},
                 {"id":"default","when":{},"queueId":"q-billing"}]""");
        java.util.Random rnd = new java.util.Random(6);
        for (int i = 0; i < AGENTS; i++) {
            String id = String.format("it-agent-%03d", i);
            Map<String, Integer> skills = new TreeMap<>();
            for (String s : List.of("billing", "tech", "sales")) {
                if (rnd.nextInt(100) < 50) {
                    skills.put(s, 1 + rnd.nextInt(7));
                }
            }
            if (skills.isEmpty()) {
                skills.put(List.of("billing", "tech", "sales").get(i % 3), 1 + rnd.nextInt(7));
            }
            if (rnd.nextInt(100) < 35) {
                skills.put("lang:de", 1 + rnd.nextInt(5));
            }
            int cap = 1 + rnd.nextInt(3);
            agents.put(id, new Agent(id, skills, cap));
            agentIds.add(id);
            put(r1 + "/api/v1/agents/" + id, write(Map.of("displayName", "Agent " + i, "skills", skills, "maxConcurrentChats", cap)));
        }
        // the other process reads the configuration through its cache (1 s): wait until it knows the rules and queues
        String r2 = system.nodes("routing-service").get(1).baseUrl();
        await("the second routing process sees the configuration").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> get(r2 + "/api/v1/routing/rules").size() == 7 && get(r2 + "/api/v1/queues").size() == 5);
    }

    // ------------------------------------------------------------ the run

    private void run() throws Exception {
        long t0 = System.nanoTime();
        Map<String, Double> cpuAtStart = cpuSeconds();
        for (String id : agentIds) {
            connect(id);
            presence(id, "AVAILABLE", "requested");
        }
        await("every agent AVAILABLE").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> available.size() == AGENTS);
        // arrivals (Poisson) and presence flaps until every chat was requested
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long next = System.nanoTime();
        long nextFlap = System.nanoTime();
        for (int i = 1; i <= CHATS; i++) {
            next += (long) (-Math.log(1 - rnd.nextDouble()) / RATE * 1e9);
            while (System.nanoTime() < next) {
                if (System.nanoTime() >= nextFlap) {
                    flap();
                    nextFlap += (long) (-Math.log(1 - rnd.nextDouble()) / 3.0 * 1e9); // about 3 flaps a second
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(next - System.nanoTime(), 20_000_000)); // pacing the load, not synchronising
            }
            request(String.format("it-chat-%05d", i));
            if (!failures.isEmpty()) {
                break;
            }
        }
        long arrivalsDone = System.nanoTime();
        System.out.printf(Locale.ROOT, "[routing-it] %d chats requested in %.1f s%n", requested.get(), (arrivalsDone - t0) / 1e9);
        // a routing that lags (a CPU-starved runner) sees most accepts late and hands out chats after the arrivals: the
        // agents go on (flaps, declines, transfers, expiries) until each kind of event was seen a few times, at most 90 s
        long extraUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!exercised() && System.nanoTime() < extraUntil && failures.isEmpty()) {
            if (System.nanoTime() >= nextFlap) {
                flap();
                nextFlap += (long) (-Math.log(1 - rnd.nextDouble()) / 3.0 * 1e9);
            }
            TimeUnit.MILLISECONDS.sleep(20); // pacing the flaps, not synchronising
        }
        System.out.printf(Locale.ROOT, "[routing-it] went on %.1f s after the last arrival until every kind of event was seen: %s%n",
                (System.nanoTime() - arrivalsDone) / 1e9, new TreeMap<>(seen));
        // drain: no more flaps, declines or transfers; every agent AVAILABLE; every offer accepted
        draining.set(true);
        await("presence flaps finished").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(flapping::isEmpty);
        for (String id : agentIds) {
            connect(id);
            presence(id, "AVAILABLE", "requested");
        }
        assertThat(failures).as("driver failures").isEmpty();
        await("every chat closed, active or offline").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> settled() == CHATS);
        // routing's own view agrees with what the stream says each agent holds
        await("routing's agents hold exactly the active chats").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> loadsMatch(activeByDriver()));
        long end = System.currentTimeMillis();
        stopped.set(true);
        reader.join(30_000);
        assertThat(reader.isAlive()).as("the stream reader stopped").isFalse();
        assertThat(failures).as("driver failures").isEmpty();

        Report r = new StreamCheck(agents, COOLDOWN_SECONDS * 1000L, DISPATCH_DELAY_MS).check(List.copyOf(stream), end);
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        for (LocalSystem.Node n : system.nodes("routing-service")) {
            metrics.put(n.name(), metrics(n.baseUrl()));
        }
        Map<String, Double> cpu = new TreeMap<>();
        cpuSeconds().forEach((name, sec) -> cpu.put(name, Math.round((sec - cpuAtStart.getOrDefault(name, 0.0)) * 10) / 10.0));
        String figures = figures(r, metrics, (System.nanoTime() - t0) / 1e9)
                + String.format(Locale.ROOT, "CPU seconds used during the run (JIT compilation included): %s%n", cpu);
        System.out.println(figures);
        Files.createDirectories(WORK);
        Files.writeString(WORK.resolve("figures.txt"), figures);
        dumpViolations(r);

        assertThat(r.requested).as("chats requested").isEqualTo(CHATS);
        assertThat(r.capViolations).as("agents above their cap").isEmpty();
        assertThat(r.twoAgents).as("chats with two agents at once").isEmpty();
        assertThat(r.notFinal).as("chats not closed, active or offline at the end").isEmpty();
        assertThat(r.waitWithRoom).as("chats that waited over %d ms while an eligible agent had room", DISPATCH_DELAY_MS).isEmpty();
        assertThat(r.inconsistencies).as("stream inconsistencies").isEmpty();
        assertThat(r.activeChatsAtEnd).as("active chats per agent by the stream vs kept by the driver").isEqualTo(activeByDriver());
        for (Map.Entry<String, Integer> e : r.finalLoadByEvents.entrySet()) {
            assertThat(e.getValue()).as("final load of %s by its capacity events", e.getKey())
                    .isEqualTo(r.activeChatsAtEnd.getOrDefault(e.getKey(), 0));
        }
        // the run exercised what it claims: both processes offered, they raced for claims, every kind of event happened
        for (Map.Entry<String, Map<String, Double>> m : metrics.entrySet()) {
            assertThat(m.getValue().getOrDefault("claims_offered", 0.0)).as("offers made by %s", m.getKey()).isGreaterThan(100);
        }
        // a release finding its slot already gone is only explained by reconciliation having dropped that hold while the
        // release was on its way (see the README): never more double releases than holds dropped
        double doubleReleases = metrics.values().stream().mapToDouble(m -> m.getOrDefault("double_release", 0.0)).sum();
        assertThat(doubleReleases).as("double releases counted by routing").isLessThanOrEqualTo(r.staleHoldsDropped);
        double races = metrics.values().stream().mapToDouble(m -> m.getOrDefault("claims_agent_lost", 0.0)
                + m.getOrDefault("claims_chat_gone", 0.0)).sum();
        assertThat(races).as("claims lost to the other process or thread (contention happened)").isPositive();
        assertThat(r.offers).isGreaterThan(CHATS);
        assertThat(r.expired).as("offers expired").isPositive();
        assertThat(r.declinedBySession).as("declines").isPositive();
        assertThat(r.transfers).as("transfers").isPositive();
        assertThat(r.transfersToAgent).as("transfers to an agent").isPositive();
        assertThat(r.withdrawn).as("offers withdrawn by presence").isPositive();
        assertThat(r.agentLost).as("active chats re-queued when their agent went OFFLINE").isPositive();
        assertThat(r.offline).as("chats of a closed queue").isPositive();
        assertThat(r.finalStates.getOrDefault("ACTIVE", 0L)).as("chats active at the end").isPositive();
        assertThat(r.maxLoadSeen).as("some agent was full").isGreaterThanOrEqualTo(2);
    }

    /** Routing's events the driver has seen, by kind (for {@link #exercised()}). */
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

    private void saw(String kind) {
        seen.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    }

    private int seen(String kind) {
        AtomicInteger n = seen.get(kind);
        return n == null ? 0 : n.get();
    }

    /** Every kind of event the final assertions require was seen a few times. */
    private boolean exercised() {
        return seen("transferred") >= 5 && seen("transferred-to-agent") >= 2 && seen("agent-lost") >= 3 && seen("expired") >= 5
                && seen("withdrawn") >= 5 && seen("declined") >= 5;
    }

    /** Chats the driver considers finished: closed, kept active (assigned), or in the closed queue. */
    private int settled() {
        int n = 0;
        for (int i = 1; i <= CHATS; i++) {
            String id = String.format("it-chat-%05d", i);
            if (closed.contains(id) || keptActive.contains(id) && assignedOffer.containsKey(id) || "q-night".equals(queueOfChat.get(id))) {
                n++;
            }
        }
        return n;
    }

    private Map<String, Integer> activeByDriver() {
        Map<String, Integer> out = new TreeMap<>();
        for (String chat : keptActive) {
            String offer = assignedOffer.get(chat);
            if (offer != null) {
                String agent = offerAgents.get(offer);
                out.merge(agent, 1, Integer::sum);
            }
        }
        return out;
    }

    private final Map<String, String> offerAgents = new ConcurrentHashMap<>();

    private boolean loadsMatch(Map<String, Integer> expected) {
        JsonNode list = get(system.nodes("routing-service").get(1).baseUrl() + "/api/v1/agents");
        for (JsonNode a : list) {
            String id = a.path("agentId").asText(a.path("id").asText());
            if (!agents.containsKey(id)) {
                continue;
            }
            if (a.path("activeChats").asInt() != expected.getOrDefault(id, 0)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------ playing session-service

    private void request(String chatId) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int p = rnd.nextInt(100);
        String topic = p < 40 ? "billing" : p < 68 ? "tech" : p < 90 ? "sales" : p < 97 ? "vip" : "night";
        String lang = rnd.nextInt(100) < 25 ? "de" : "en";
        String queue = "q-" + topic;
        queueOfChat.put(chatId, queue);
        Map<String, Object> visitor = new LinkedHashMap<>();
        visitor.put("name", "Visitor " + chatId);
        visitor.put("email", chatId + "@example.com");
        visitor.put("locale", lang);
        visitor.put("customerId", null);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("chatId", chatId);
        data.put("formId", "it");
        data.put("visitor", visitor);
        data.put("form", Map.of("topic", topic, "lang", lang));
        data.put("message", "Hello from " + chatId);
        data.put("queueId", queue);
        data.put("requestedAt", Instant.now().toString());
        send("chat-events", chatId, "chat.requested", data);
        requested.incrementAndGet();
        if (rnd.nextInt(100) < 4) {
            // a visitor who gives up if nobody answered within a few seconds
            later(3000 + rnd.nextInt(9000), () -> {
                if (!assignedOffer.containsKey(chatId) && !"q-night".equals(queue) && !draining.get()) {
                    close(chatId, "visitor");
                }
            });
        }
    }

    private void onOffered(String chatId, String agentId, String offerId, String queueId) {
        currentOffer.put(chatId, offerId);
        offerAgents.put(offerId, agentId);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (rnd.nextInt(10) > 0) {
            // session wrote the offer to the agent's socket (most are): its timeout counts as a missed offer; the tenth
            // never reached the agent, and its timeout counts nothing
            Map<String, Object> dd = new LinkedHashMap<>();
            dd.put("chatId", chatId);
            dd.put("agentId", agentId);
            dd.put("offerId", offerId);
            dd.put("deliveredAt", Instant.now().toString());
            send("chat-events", chatId, "chat.offer.delivered", dd);
        }
        int p = rnd.nextInt(100);
        boolean shortTimeout = "q-sales".equals(queueId) || "q-vip".equals(queueId);
        if (draining.get() || p < 68) {
            later(100 + rnd.nextInt(1200), () -> accept(chatId, agentId, offerId, Instant.now()));
        } else if (p < 80) {
            later(100 + rnd.nextInt(1000), () -> {
                if (offerId.equals(currentOffer.get(chatId)) && !closed.contains(chatId)) {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("chatId", chatId);
                    d.put("agentId", agentId);
                    d.put("offerId", offerId);
                    d.put("reason", "busy");
                    d.put("declinedAt", Instant.now().toString());
                    send("chat-events", chatId, "chat.offer.declined", d);
                }
            });
        } else if (p < 95 || !shortTimeout) {
            // ignored: the offer expires (5 s or 8 s, plus routing's 2 s of accept skew)
        } else {
            // pressed accept too late: routing answers chat.assignment.failed
            later((shortTimeout ? 5000 : 8000) + 2500 + rnd.nextInt(1500), () -> accept(chatId, agentId, offerId, Instant.now()));
        }
    }

    private void accept(String chatId, String agentId, String offerId, Instant at) {
        if (closed.contains(chatId)) {
            return;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("chatId", chatId);
        d.put("agentId", agentId);
        d.put("offerId", offerId);
        d.put("acceptedAt", at.toString());
        send("chat-events", chatId, "chat.offer.accepted", d);
    }

    private void onAssigned(String chatId, String agentId, String offerId) {
        assignedOffer.put(chatId, offerId);
        offerAgents.put(offerId, agentId);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (draining.get()) {
            if (keptActive.size() < KEEP_ACTIVE) {
                keptActive.add(chatId);
                return;
            }
        } else if (rnd.nextInt(100) < 10) {
            later(500 + rnd.nextInt(2500), () -> transfer(chatId, agentId, offerId));
            return;
        }
        long handle = (long) (6000 * Math.exp(0.6 * rnd.nextGaussian()));
        later(Math.min(handle, 40_000), () -> {
            if (offerId.equals(assignedOffer.get(chatId)) && !keptActive.contains(chatId)) {
                close(chatId, "agent");
            }
        });
    }

    private void transfer(String chatId, String fromAgent, String offerId) {
        if (!offerId.equals(assignedOffer.get(chatId)) || closed.contains(chatId)) {
            return;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("chatId", chatId);
        d.put("requestId", UUID.randomUUID().toString());
        d.put("fromAgentId", fromAgent);
        if (rnd.nextInt(100) < 55) {
            d.put("queueId", List.of("q-billing", "q-tech", "q-sales", "q-vip").get(rnd.nextInt(4)));
            d.put("agentId", null);
        } else {
            d.put("queueId", null);
            d.put("agentId", transferTarget(fromAgent, rnd));
        }
        d.put("note", "over to you");
        d.put("requestedBy", fromAgent);
        d.put("requestedAt", Instant.now().toString());
        send("chat-events", chatId, "chat.transfer.requested", d);
    }

    /**
     * An agent that looks free by the stream read so far (AVAILABLE, below its cap), so that most transfers to an agent
     * are taken; routing decides (a target full or away by then: chat.transfer.failed).
     */
    private String transferTarget(String fromAgent, ThreadLocalRandom rnd) {
        List<String> free = agentIds.stream().filter(id -> !id.equals(fromAgent) && "AVAILABLE".equals(lastStatus.get(id))
                && lastActive.getOrDefault(id, 0) < agents.get(id).cap()).toList();
        return free.isEmpty() ? agentIds.get(rnd.nextInt(agentIds.size())) : free.get(rnd.nextInt(free.size()));
    }

    /** The chat left its agent (re-queued, transferred): any close scheduled for that assignment no longer applies. */
    private void onLeftAgent(String chatId) {
        assignedOffer.remove(chatId);
    }

    private void onTransferFailed(String chatId) {
        String offer = assignedOffer.get(chatId);
        if (offer != null) {
            later(1000 + ThreadLocalRandom.current().nextInt(4000), () -> {
                if (offer.equals(assignedOffer.get(chatId))) {
                    close(chatId, "agent");
                }
            });
        }
    }

    private void close(String chatId, String by) {
        if (!closed.add(chatId)) {
            return;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("chatId", chatId);
        d.put("by", by);
        d.put("agentId", null);
        d.put("closedAt", Instant.now().toString());
        send("chat-events", chatId, "chat.closed", d);
    }

    /** One presence flap of a random agent not flapping already. */
    private void flap() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        String id = agentIds.get(rnd.nextInt(agentIds.size()));
        if (!flapping.add(id)) {
            return;
        }
        int p = rnd.nextInt(100);
        if (p < 35) {
            presence(id, "AWAY", "requested");
            later(1000 + rnd.nextInt(3000), () -> back(id));
        } else if (p < 60) {
            presence(id, "OFFLINE", "requested");
            later(2000 + rnd.nextInt(4000), () -> back(id));
        } else if (p < 80) {
            presence(id, "OFFLINE", "disconnected");
            later(300 + rnd.nextInt(GRACE_SECONDS * 1000 / 2), () -> {
                connect(id); // back within the grace: routing restores the status it had
                flapping.remove(id);
            });
        } else {
            presence(id, "OFFLINE", "disconnected");
            // past the grace: routing set it OFFLINE and re-queued its chats; it connects again later
            later(GRACE_SECONDS * 1000L + 2000 + rnd.nextInt(3000), () -> back(id));
        }
    }

    private void back(String id) {
        connect(id);
        presence(id, "AVAILABLE", "requested");
        flapping.remove(id);
    }

    private void onPresenceChanged(String agentId, String status, String reason) {
        if ("AWAY".equals(status) && "missed-offer".equals(reason) && flapping.add(agentId)) {
            later(1000 + ThreadLocalRandom.current().nextInt(2000), () -> back(agentId));
        }
    }

    private void presence(String agentId, String status, String reason) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("agentId", agentId);
        d.put("status", status);
        d.put("reason", reason);
        d.put("requestedAt", Instant.now().toString());
        send("agent-events", agentId, "agent.presence.requested", d);
    }

    private void connect(String agentId) {
        send("agent-events", agentId, "agent.connected", Map.of("agentId", agentId, "connectedAt", Instant.now().toString()));
    }

    private void later(long millis, Runnable action) {
        if (stopped.get()) {
            return;
        }
        timer.schedule(() -> {
            try {
                if (!stopped.get()) {
                    action.run();
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** Publishes one of session-service's events (CloudEvents binary mode), checked against session-service's schema. */
    private void send(String topic, String key, String type, Map<String, Object> data) {
        String json = write(data);
        validate(type, json);
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, json);
        record.headers().add("ce_specversion", bytes("1.0"));
        record.headers().add("ce_id", bytes(UUID.randomUUID().toString()));
        record.headers().add("ce_type", bytes(type));
        record.headers().add("ce_source", bytes(SESSION));
        record.headers().add("ce_time", bytes(Instant.now().toString()));
        record.headers().add("ce_subject", bytes(key));
        record.headers().add("content-type", bytes("application/json"));
        producer.send(record, (meta, error) -> {
            if (error != null) {
                failures.add(error);
            }
        });
        sent.computeIfAbsent(type, t -> new AtomicInteger()).incrementAndGet();
    }

    private void validate(String type, String json) {
        Schemas s = schemas.computeIfAbsent(type, t -> {
            try (InputStream in = Files.newInputStream(EventSchemas.schemaFile("session-service", t))) {
                return new Schemas(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in));
            } catch (IOException e) {
                throw new IllegalStateException("no schema for " + t, e);
            }
        });
        try {
            Set<ValidationMessage> errors = s.schema().validate(JSON.readTree(json));
            if (!errors.isEmpty()) {
                throw new AssertionError(type + " does not match session-service's schema: " + errors + "\n" + json);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------ reading the stream

    private void read() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", system.kafka());
        props.put("group.id", "routing-it-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("chat-events", "agent-events"));
            while (!stopped.get()) {
                for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        onRecord(rec);
                    } catch (Exception e) {
                        failures.add(e);
                    }
                }
            }
        } catch (Exception e) {
            failures.add(e);
        }
    }

    private void onRecord(ConsumerRecord<String, String> rec) throws IOException {
        String id = header(rec, "ce_id");
        String type = header(rec, "ce_type");
        String source = header(rec, "ce_source");
        if (id == null || type == null || rec.value() == null) {
            return;
        }
        if (!seenIds.add(id)) {
            duplicates.incrementAndGet(); // the outbox sweep re-sent it: consumers de-duplicate on ce_id, so does the check
            return;
        }
        if ("chat.queued".equals(type) && rec.value().contains("\"reason\":\"position-changed\"")) {
            positionUpdates.incrementAndGet(); // a waiting chat's new position: changes no state, not kept (most of the stream)
            return;
        }
        JsonNode data = JSON.readTree(rec.value());
        Ev e = new Ev(seq.incrementAndGet(), type, source, id, rec.key(), millis(header(rec, "ce_time")), data);
        stream.add(e);
        if (!StreamCheck.ROUTING.equals(source)) {
            return;
        }
        switch (type) {
            case "chat.offered" -> onOffered(e.s("chatId"), e.s("agentId"), e.s("offerId"), e.s("queueId"));
            case "chat.assigned" -> onAssigned(e.s("chatId"), e.s("agentId"), e.s("offerId"));
            case "chat.transferred" -> {
                saw("transferred");
                if (e.s("agentId") != null) {
                    saw("transferred-to-agent");
                }
                onLeftAgent(e.s("chatId"));
            }
            case "chat.offer.declined" -> saw("timeout".equals(e.s("reason")) ? "expired" : "withdrawn");
            case "chat.transfer.failed" -> onTransferFailed(e.s("chatId"));
            case "chat.queued" -> {
                if ("agent-lost".equals(e.s("reason"))) {
                    saw("agent-lost");
                } else if ("declined".equals(e.s("reason"))) {
                    saw("declined");
                }
                if ("agent-lost".equals(e.s("reason")) || "transferred".equals(e.s("reason"))) {
                    onLeftAgent(e.s("chatId"));
                }
                queueOfChat.put(e.s("chatId"), e.s("queueId"));
            }
            case "agent.capacity.changed" -> lastActive.put(e.s("agentId"), e.data().path("active").asInt());
            case "agent.presence.changed" -> {
                lastStatus.put(e.s("agentId"), e.s("status"));
                if ("AVAILABLE".equals(e.s("status"))) {
                    available.add(e.s("agentId"));
                }
                onPresenceChanged(e.s("agentId"), e.s("status"), e.s("reason"));
            }
            default -> {
            }
        }
    }

    private static long millis(String time) {
        if (time == null) {
            return System.currentTimeMillis();
        }
        try {
            return Instant.parse(time).toEpochMilli();
        } catch (RuntimeException e) {
            return OffsetDateTime.parse(time).toInstant().toEpochMilli();
        }
    }

    private static String header(ConsumerRecord<String, String> rec, String name) {
        Header h = rec.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------ figures

    private static final Pattern METRIC = Pattern.compile("^(chatroute_routing_\\w+)(\\{[^}]*})?\\s+([0-9.eE+-]+)$");

    /** CPU time used so far by each routing process (seconds). */
    private static Map<String, Double> cpuSeconds() {
        Map<String, Double> out = new TreeMap<>();
        for (LocalSystem.Node n : system.nodes("routing-service")) {
            ProcessHandle.of(n.pid()).flatMap(p -> p.info().totalCpuDuration())
                    .ifPresent(d -> out.put(n.name(), d.toMillis() / 1000.0));
        }
        return out;
    }

    private static Map<String, Double> metrics(String baseUrl) {
        Map<String, Double> out = new TreeMap<>();
        String body = http(HttpRequest.newBuilder(URI.create(baseUrl + "/q/metrics")).GET().build());
        for (String line : body.split("\n")) {
            Matcher m = METRIC.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            String name = m.group(1);
            String labels = m.group(2) == null ? "" : m.group(2);
            double v = Double.parseDouble(m.group(3));
            if (name.startsWith("chatroute_routing_claims_total")) {
                String outcome = labels.replaceAll(".*outcome=\"([^\"]*)\".*", "$1").replace('-', '_');
                out.merge("claims_" + outcome, v, Double::sum);
            } else if (name.startsWith("chatroute_routing_double_release_total")) {
                out.merge("double_release", v, Double::sum);
            } else if (name.startsWith("chatroute_routing_load_drift_total") || name.startsWith("chatroute_routing_load_reconciled_total")) {
                out.merge("drift", v, Double::sum);
            }
        }
        return out;
    }

    private String figures(Report r, Map<String, Map<String, Double>> metrics, double seconds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "routing-it: %d agents (caps 1-3), %d chats at %.0f/s, 2 routing processes, %.0f s in all%n",
                AGENTS, CHATS, RATE, seconds));
        b.append(String.format(Locale.ROOT, "events checked: %d (%d from routing; besides them %d position updates and %d duplicates "
                + "re-sent by the outbox sweep, dropped); sent by the test: %s%n", r.events, r.routingEvents, positionUpdates.get(),
                duplicates.get(), new TreeMap<>(sent)));
        b.append(String.format(Locale.ROOT, "offers %d, assignments %d, accept failures %d, declines %d, expired %d, withdrawn %d, "
                + "re-queued (agent lost) %d, transfers %d (to an agent %d, failed %d), closes %d, offline %d%n", r.offers, r.assignments,
                r.assignmentFailures, r.declinedBySession, r.expired, r.withdrawn, r.agentLost, r.transfers, r.transfersToAgent,
                r.transferFailures, r.closes, r.offline));
        b.append(String.format(Locale.ROOT, "presence changes %d (missed-offer AWAY %d, reordered %d), capacity events %d (compensations %d,"
                + " reconciled %d dropping %d stale holds, arrived out of commit order %d); re-offered after a decline before its re-queue"
                + " was announced: %d%n", r.presenceChanges, r.missedOfferAway, r.presenceReordered, r.capacityEvents, r.compensations,
                r.reconciled, r.staleHoldsDropped, r.outOfOrderCapacity, r.reofferedAfterDeclineWithoutRequeue));
        b.append(String.format(Locale.ROOT, "max load seen: %d (cap %d); agents by max load/cap: %s%n", r.maxLoadSeen, r.maxCapOfThatAgent,
                r.loadVsCap));
        b.append(String.format(Locale.ROOT, "waiting stretches %d, longest wait %d ms, worst wait with an eligible agent with room: %d ms (%s)%n",
                r.waitingStretches, r.longestWaitMs, r.worstWaitWithRoomMs, r.worstWaitWithRoom));
        b.append(waitsWithRoom(r.waitsWithRoom));
        b.append(String.format(Locale.ROOT, "final states: %s; per process: %s%n", r.finalStates, metrics));
        b.append(String.format(Locale.ROOT, "violations: cap %d, two agents %d, not final %d, wait with room > %d ms %d, inconsistencies %d%n",
                r.capViolations.size(), r.twoAgents.size(), r.notFinal.size(), DISPATCH_DELAY_MS, r.waitWithRoom.size(),
                r.inconsistencies.size()));
        for (List<String> l : List.of(r.capViolations, r.twoAgents, r.notFinal, r.waitWithRoom, r.inconsistencies)) {
            l.stream().limit(20).forEach(v -> b.append("  ").append(v).append('\n'));
        }
        return b.toString();
    }

    /** Every event of the chats and agents named in a violation, in time order: target/routing-it/violations-events.txt. */
    /**
     * The distribution of waits with an eligible agent with room (per waiting stretch, its longest such piece), overall
     * and in the first 20 s of arrivals (a cold start) against the rest.
     */
    private static String waitsWithRoom(List<long[]> waits) {
        if (waits.isEmpty()) {
            return "waits with room: none\n";
        }
        long first = waits.stream().mapToLong(w -> w[0]).min().orElse(0);
        List<Long> all = waits.stream().map(w -> w[1]).sorted().toList();
        List<Long> early = waits.stream().filter(w -> w[0] - first < 20_000).map(w -> w[1]).sorted().toList();
        List<Long> later = waits.stream().filter(w -> w[0] - first >= 20_000).map(w -> w[1]).sorted().toList();
        return String.format(Locale.ROOT, "waits with room (ms; per stretch, its longest piece): all %s; first 20 s %s; after %s%n",
                quantiles(all), quantiles(early), quantiles(later));
    }

    private static String quantiles(List<Long> sorted) {
        if (sorted.isEmpty()) {
            return "none";
        }
        java.util.function.DoubleFunction<Long> q = p -> sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
        return String.format(Locale.ROOT, "n %d p50 %d p90 %d p99 %d max %d", sorted.size(), q.apply(0.5), q.apply(0.9), q.apply(0.99),
                sorted.get(sorted.size() - 1));
    }

    private void dumpViolations(Report r) throws IOException {
        Set<String> keys = new java.util.TreeSet<>();
        Pattern id = Pattern.compile("it-(chat|agent)-\\d+");
        for (List<String> l : List.of(r.capViolations, r.twoAgents, r.notFinal, r.waitWithRoom, r.inconsistencies)) {
            l.stream().limit(20).forEach(v -> {
                Matcher m = id.matcher(v);
                while (m.find()) {
                    keys.add(m.group());
                }
            });
        }
        if (keys.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (String key : keys) {
            b.append("== ").append(key).append('\n');
            stream.stream().filter(e -> key.equals(e.key())).sorted(java.util.Comparator.comparingLong(Ev::time).thenComparingLong(Ev::seq))
                    .forEach(e -> b.append(e.time()).append(' ').append(e.seq()).append(' ').append(e.source()).append(' ').append(e.type())
                            .append(' ').append(e.data()).append('\n'));
        }
        Files.writeString(WORK.resolve("violations-events.txt"), b.toString());
    }

    // ------------------------------------------------------------ HTTP

    private static void put(String url, String body) {
        http(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonNode get(String url) {
        try {
            return JSON.readTree(http(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + admin).GET().build()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String http(HttpRequest request) {
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(request.method() + " " + request.uri() + " -> " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
