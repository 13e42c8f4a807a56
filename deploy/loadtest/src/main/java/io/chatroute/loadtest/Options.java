package io.chatroute.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The command line of the load tool: a scenario, its options, and where the system under test is. */
final class Options {

    static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1", "[::1]");

    // hard bounds: every run is bounded in count and time
    static final int MAX_AGENTS = 2_000;
    static final int MAX_CONCURRENT_CHATS = 20_000;
    static final int MAX_TOTAL_CHATS = 100_000;
    static final double MAX_MESSAGE_RATE = 10_000;
    static final double MAX_ARRIVAL_RATE = 2_000;
    static final int MAX_DURATION_SECONDS = 3_600;
    /** A simulated visitor never sends faster than this (the contract's limit is 10/s with bursts of 20). */
    static final double MAX_RATE_PER_VISITOR = 8;

    String scenario = "steady";
    int agents = 40;
    int cap = 6;
    int chats = 200;
    int maxChats = -1;
    double arrivalRate = 50;
    double messageRate = 200;
    double replyRatio = 0.5;
    int durationSeconds = 60;
    int warmupSeconds = 5;
    int drainSeconds = 20;
    double handleMedianSeconds = 60;
    double handleSigma = 0.5;
    double burstFactor = 4;
    long seed = 42;
    double floorRate = 50;
    int lagTimeoutSeconds = 60;
    int probeTimeoutSeconds = 20;
    int setupTimeoutSeconds = 60;

    String sessionUrl = "http://127.0.0.1:8080";
    String routingUrl = "http://127.0.0.1:8081";
    String knowledgeUrl = "http://127.0.0.1:8083";
    String historyUrl = "http://127.0.0.1:8082";
    String kafka = "127.0.0.1:9092";
    String redis = "redis://127.0.0.1:6379";
    Path privateKey;

    boolean start;
    Path startRoot;
    String heap = "256m";
    /** Extra JVM options for every started service, split on spaces (e.g. a JFR recording). */
    String serviceJvmOpts = "";
    /** Partitions of the topics the started Kafka creates (as deploy/run-local.sh's 4). */
    int partitions = 4;
    int readyTimeoutSeconds = 180;
    /** Processes killed with SIGKILL during the load and started again at once ({@code --kill}; with --start only). */
    List<Fault> faults = new ArrayList<>();

    /** session-service instances the tool starts ({@code --sessions}; with --start only). */
    int sessions = 1;

    /**
     * The services {@code --kill} can kill. A session-service instance's visitors and agents reconnect to the next
     * instance (or the same one once it is back), resume from the last seq they hold, and resend what was not acked.
     */
    static final List<String> KILLABLE = List.of("routing-service", "session-service", "history-service", "knowledge-service");

    /**
     * The infrastructure {@code --kill} can kill: PostgreSQL (its postmaster and backends; it recovers from its
     * write-ahead log), Redis (then run with an append-only file, so that it comes back with its data) and the Kafka
     * broker (then run in a process of its own; it recovers from its log directory).
     */
    static final List<String> INFRA = List.of("postgres", "redis", "kafka");

    /**
     * A SIGKILL of {@code service}'s instance {@code instance} (1-based; only session-service may have more than one) at
     * {@code atSeconds} of the load, then a start on its port, awaited until ready.
     */
    record Fault(String service, int instance, int atSeconds) {
        Fault(String service, int atSeconds) {
            this(service, 1, atSeconds);
        }

        /** The node's name as LocalSystem names it: session-service, session-service-2, ... */
        String node() {
            return instance == 1 ? service : service + "-" + instance;
        }

        boolean infra() {
            return INFRA.contains(service);
        }

        @Override
        public String toString() {
            return node() + "@" + atSeconds;
        }
    }

    Path repoRoot;
    Path out;
    boolean quiet;
    String runId;

    /** Parses {@code [scenario] [--option value]...}; {@code repoRoot} is where this tool lives. */
    static Options parse(String[] args, Path repoRoot) {
        Options o = new Options();
        o.repoRoot = repoRoot;
        List<String> rest = new ArrayList<>(List.of(args));
        if (!rest.isEmpty() && !rest.get(0).startsWith("-")) {
            o.scenario = rest.remove(0).toLowerCase(Locale.ROOT);
        }
        o.applyScenarioDefaults();
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (name.equals("--start")) {
                o.start = true;
                continue;
            }
            if (name.equals("--quiet")) {
                o.quiet = true;
                continue;
            }
            if (name.equals("-h") || name.equals("--help")) {
                throw new UsageException(null);
            }
            String value;
            if (inline != null) {
                value = inline;
            } else if (i + 1 < rest.size()) {
                value = rest.get(++i);
            } else {
                throw new UsageException("missing value for " + name);
            }
            switch (name) {
                case "--agents" -> o.agents = integer(name, value);
                case "--cap" -> o.cap = integer(name, value);
                case "--chats" -> o.chats = integer(name, value);
                case "--max-chats" -> o.maxChats = integer(name, value);
                case "--arrival-rate" -> o.arrivalRate = number(name, value);
                case "--msg-rate", "--message-rate" -> o.messageRate = number(name, value);
                case "--reply-ratio" -> o.replyRatio = number(name, value);
                case "--duration" -> o.durationSeconds = integer(name, value);
                case "--warmup" -> o.warmupSeconds = integer(name, value);
                case "--drain" -> o.drainSeconds = integer(name, value);
                case "--handle-median" -> o.handleMedianSeconds = number(name, value);
                case "--handle-sigma" -> o.handleSigma = number(name, value);
                case "--burst-factor" -> o.burstFactor = number(name, value);
                case "--seed" -> o.seed = Long.parseLong(value);
                case "--floor-rate" -> o.floorRate = number(name, value);
                case "--lag-timeout" -> o.lagTimeoutSeconds = integer(name, value);
                case "--probe-timeout" -> o.probeTimeoutSeconds = integer(name, value);
                case "--session-url" -> o.sessionUrl = value;
                case "--routing-url" -> o.routingUrl = value;
                case "--knowledge-url" -> o.knowledgeUrl = value;
                case "--history-url" -> o.historyUrl = value;
                case "--kafka" -> o.kafka = value;
                case "--redis" -> o.redis = value;
                case "--key" -> o.privateKey = Path.of(value);
                case "--start-root" -> {
                    o.start = true;
                    o.startRoot = Path.of(value);
                }
                case "--heap" -> o.heap = value;
                case "--service-jvm-opts" -> o.serviceJvmOpts = value;
                case "--partitions" -> o.partitions = Integer.parseInt(value);
                case "--sessions" -> o.sessions = integer("--sessions", value);
                case "--ready-timeout" -> o.readyTimeoutSeconds = integer(name, value);
                case "--kill" -> o.faults.addAll(faults(value));
                case "--out" -> o.out = Path.of(value);
                case "--run-id" -> o.runId = value;
                default -> throw new UsageException("unknown option " + name);
            }
        }
        o.finish();
        return o;
    }

    /** The scenario sets the defaults; options given on the command line override them. */
    void applyScenarioDefaults() {
        switch (scenario) {
            case "steady" -> {
                // a steady load: chats arrive until the target is open, then replace the ones that close
            }
            case "burst" -> {
                arrivalRate = 500;      // the whole target arrives within a second or so
                durationSeconds = 60;
                burstFactor = 4;        // and the visitors' message rate jumps 4x in the middle fifth
            }
            case "soak" -> {
                chats = 150;
                messageRate = 100;
                durationSeconds = 600;
                warmupSeconds = 30;
                handleMedianSeconds = 20; // chats churn: thousands start and close over the run
                handleSigma = 0.6;
            }
            default -> throw new UsageException("unknown scenario '" + scenario + "' (steady, burst, soak)");
        }
    }

    private void finish() {
        if (maxChats < 0) {
            // enough for the chats that churn over the run (each closes after about the handle time's median and is
            // replaced), so that a run with short chats does not stop starting new ones half-way
            long churn = (long) Math.ceil(1.5 * (chats + chats * (double) durationSeconds / Math.max(1, handleMedianSeconds)));
            maxChats = (int) Math.min(MAX_TOTAL_CHATS, Math.max(Math.max(chats * 10L, chats + 100L), churn));
        }
        if (startRoot == null) {
            startRoot = repoRoot;
        }
        if (privateKey == null && !start) {
            privateKey = repoRoot.resolve(".local/keys/dev-private.pem");
        }
        if (runId == null) {
            runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        }
        if (out == null) {
            out = repoRoot.resolve("deploy/loadtest/target/results").resolve(runId);
        }
        validate();
    }

    void validate() {
        range("--agents", agents, 1, MAX_AGENTS);
        range("--cap", cap, 1, 6);
        range("--chats", chats, 1, MAX_CONCURRENT_CHATS);
        range("--max-chats", maxChats, 1, MAX_TOTAL_CHATS);
        range("--duration", durationSeconds, 1, MAX_DURATION_SECONDS);
        range("--warmup", warmupSeconds, 0, durationSeconds - 1);
        range("--drain", drainSeconds, 1, 600);
        range("--lag-timeout", lagTimeoutSeconds, 1, 600);
        range("--probe-timeout", probeTimeoutSeconds, 1, 600);
        if (!faults.isEmpty() && !start) {
            throw new UsageException("--kill needs --start: the tool kills and restarts only the processes it started");
        }
        range("--sessions", sessions, 1, 4);
        if (sessions > 1 && !start) {
            throw new UsageException("--sessions needs --start (against running instances, name them all in --session-url)");
        }
        for (Fault f : faults) {
            range("--kill " + f.node() + "@", f.atSeconds(), 1, durationSeconds - 1);
            int instances = "session-service".equals(f.service()) ? sessions : 1;
            if (f.instance() > instances) {
                throw new UsageException("--kill " + f.node() + ": the tool starts " + instances + " instance(s) of "
                        + f.service() + (instances == sessions ? " (--sessions)" : ""));
            }
        }
        if (!(arrivalRate > 0) || arrivalRate > MAX_ARRIVAL_RATE) {
            throw new UsageException("--arrival-rate must be in (0, " + MAX_ARRIVAL_RATE + "]");
        }
        if (messageRate < 0 || messageRate > MAX_MESSAGE_RATE) {
            throw new UsageException("--msg-rate must be in [0, " + MAX_MESSAGE_RATE + "]");
        }
        if (replyRatio < 0 || replyRatio > 1) {
            throw new UsageException("--reply-ratio must be in [0, 1]");
        }
        if (burstFactor < 1 || burstFactor > 20) {
            throw new UsageException("--burst-factor must be in [1, 20]");
        }
        if (!(handleMedianSeconds > 0) || handleSigma < 0 || handleSigma > 3) {
            throw new UsageException("--handle-median must be positive and --handle-sigma in [0, 3]");
        }
        if (!(floorRate > 0) || floorRate > 1000) {
            throw new UsageException("--floor-rate must be in (0, 1000]");
        }
        if (perVisitorRate() * peakFactor() > MAX_RATE_PER_VISITOR) {
            throw new UsageException(String.format(Locale.ROOT,
                    "%.1f messages/s per visitor at the peak is over the %s/s a simulated visitor may send: raise --chats "
                            + "or lower --msg-rate", perVisitorRate() * peakFactor(), MAX_RATE_PER_VISITOR));
        }
        if (!start) {
            for (String url : sessionUrl.split(",")) {
                requireLoopback("--session-url", URI.create(url.trim()).getHost());
            }
            requireLoopback("--routing-url", URI.create(routingUrl).getHost());
            requireLoopback("--knowledge-url", URI.create(knowledgeUrl).getHost());
            requireLoopback("--history-url", URI.create(historyUrl).getHost());
            for (String server : kafka.split(",")) {
                requireLoopback("--kafka", hostOf(server.trim()));
            }
            requireLoopback("--redis", URI.create(redis).getHost());
        }
    }

    /** The visitors' message rate relative to the steady rate at time {@code t} seconds into the load. */
    double messageFactorAt(double t) {
        if ("burst".equals(scenario) && t >= durationSeconds * 0.4 && t < durationSeconds * 0.6) {
            return burstFactor;
        }
        return 1;
    }

    double peakFactor() {
        return "burst".equals(scenario) ? burstFactor : 1;
    }

    /** Each visitor's own Poisson rate, so that the target number of open chats sends {@link #messageRate}. */
    double perVisitorRate() {
        return messageRate / chats;
    }

    static void requireLoopback(String option, String host) {
        if (host == null || !LOOPBACK.contains(host.toLowerCase(Locale.ROOT))) {
            throw new UsageException(option + ": only loopback targets are allowed (127.0.0.1, localhost, ::1), not '"
                    + host + "'");
        }
    }

    /** The host of {@code host:port}, {@code [v6]:port} or a bare host. */
    static String hostOf(String hostPort) {
        String s = hostPort.replaceFirst("^[a-zA-Z]+://", "");
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            return end < 0 ? s : s.substring(0, end + 1);
        }
        int colon = s.lastIndexOf(':');
        if (colon > 0 && s.indexOf(':') == colon) {
            return s.substring(0, colon);
        }
        return s;
    }

    private static void range(String name, long v, long min, long max) {
        if (v < min || v > max) {
            throw new UsageException(name + " must be in [" + min + ", " + max + "], not " + v);
        }
    }

    private static int integer(String name, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs an integer, not '" + v + "'");
        }
    }

    private static double number(String name, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a number, not '" + v + "'");
        }
    }

    /**
     * {@code --kill routing-service@40,knowledge@60,session-2@30}: a comma-separated list of SERVICE@SECONDS (seconds
     * into the load; a service may be named without "-service"; "-N" after it names session-service's N-th instance).
     */
    static List<Fault> faults(String value) {
        List<Fault> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            int at = p.lastIndexOf('@');
            if (at <= 0 || at == p.length() - 1) {
                throw new UsageException("--kill takes SERVICE@SECONDS[,SERVICE@SECONDS...], not '" + p + "'");
            }
            String service = p.substring(0, at).toLowerCase(Locale.ROOT);
            int instance = 1;
            java.util.regex.Matcher numbered = java.util.regex.Pattern.compile("(.*)-([1-9])").matcher(service);
            if (numbered.matches()) {
                service = numbered.group(1);
                instance = Integer.parseInt(numbered.group(2));
            }
            if (!service.endsWith("-service") && !INFRA.contains(service)) {
                service = service + "-service";
            }
            if (!KILLABLE.contains(service) && !INFRA.contains(service)) {
                throw new UsageException("--kill: unknown service '" + p.substring(0, at) + "' (killable: " + KILLABLE
                        + ", " + INFRA + ")");
            }
            if (instance > 1 && !"session-service".equals(service) || INFRA.contains(service) && numbered.matches()) {
                throw new UsageException("--kill " + p.substring(0, at) + ": only session-service runs as several instances");
            }
            Fault f = new Fault(service, instance, 0);
            out.add(new Fault(service, instance, integer("--kill " + f.node() + "@", p.substring(at + 1))));
        }
        return out;
    }

    /** A bad command line; the message says why (null: print the usage only). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    static String usage() {
        return """
                usage: deploy/load-test.sh [steady|burst|soak] [options]

                load shape (defaults: steady)
                  --agents N           simulated agents (40)                --cap N           chats per agent, 1-6 (6)
                  --chats N            concurrent chats to hold open (200)  --max-chats N     chats started at most (10x --chats)
                  --arrival-rate R     chat arrivals/s, Poisson (50)        --msg-rate R      visitor messages/s in total at target (200)
                  --reply-ratio F      share of visitor messages an agent answers (0.5)
                  --duration S         seconds of load (60; soak 600)       --warmup S        seconds excluded from latencies (5)
                  --drain S            seconds to wait for deliveries after the load (20)
                  --handle-median S    lognormal handle time median (60; soak 20)   --handle-sigma X (0.5)
                  --burst-factor X     burst: message rate multiplier in the middle fifth of the run (4)
                  --seed N             random seed (42)                     --floor-rate R    floor probes/s, Kafka and Redis each (50)
                  --lag-timeout S      recovery: wait for consumers to drain (60) --probe-timeout S probe chat to offer (20)

                system under test (loopback only)
                  --session-url URL[,URL...] (http://127.0.0.1:8080)  --routing-url URL (:8081)  --knowledge-url URL (:8083)
                  --history-url URL (:8082): the record check reads every chat's transcript there after the run
                  --kafka HOST:PORT (127.0.0.1:9092)  --redis URL (redis://127.0.0.1:6379)
                  --key PEM            dev private key (<repo>/.local/keys/dev-private.pem)
                  --start              start Kafka/PostgreSQL/Redis and the four packaged services itself, stop them after
                  --start-root DIR     ... from DIR/<service>/target/quarkus-app (another checkout, e.g. a baseline)
                  --heap SIZE          -Xmx of each started service (256m)
                  --partitions N       partitions of the started Kafka's topics (4)
                  --sessions N         session-service instances to start, 1-4 (1): chats, visitors and agents are spread
                                       over them round-robin, as a load balancer without sticky sessions would
                  --kill S@T[,S@T...]  fault injection: SIGKILL service S (routing, session, history or knowledge;
                                       session-2 for the second session instance; postgres, redis or kafka: with Redis
                                       then kept in an append-only file, the broker then in a process of its own) T
                                       seconds into the load and start it
                                       again at once; the verdict is unchanged (nothing lost, duplicated or reordered, no
                                       offer lost, every start answered 201, recovery ok). The killed session instance's
                                       clients reconnect to the next instance and resume from the last seq they hold
                  --service-jvm-opts S extra JVM options of each started service, e.g.
                                       "-XX:StartFlightRecording=filename=/tmp/jfr-%s.jfr,settings=profile" (%s: the service);
                                       a -XX:+Use...GC option replaces the default -XX:+UseSerialGC

                output
                  --out DIR            results directory (deploy/loadtest/target/results/<timestamp>)
                  --quiet              no progress line

                exit code: 0 when the verdict passes (nothing lost, duplicated, reordered or refused but stored, no offer lost, recovery ok),
                1 when it does not, 2 for a bad command line or a set-up failure.
                """;
    }
}
