package io.chatroute.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The whole system on one machine, for the tools and tests that drive it from outside: real Kafka, PostgreSQL and
 * Redis ({@link InfraProcess}, a child JVM on free ports) and the four services started from their packaged jars
 * ({@code <root>/<service>/target/quarkus-app/quarkus-run.jar}) as separate JVMs on free loopback ports, configured
 * the way {@code deploy/run-local.sh} configures them. session-service may run as several instances (no sticky
 * routing between them), and so may routing-service (one consumer group); a test may start only some services
 * ({@link Options#services}). Any instance can be killed (SIGKILL) and started again on its port. Everything stops on
 * {@link #close()}. Used by deploy/e2e, deploy/routing-it and the load tool ({@code --start}).
 */
public final class LocalSystem implements AutoCloseable {

    public static final List<String> SERVICES = List.of("routing-service", "session-service", "history-service",
            "knowledge-service");

    /** How to start it. */
    public static final class Options {
        Path root = Path.of(".");
        Path work;
        String heap = "256m";
        String jvmOpts = "";
        int partitions = 2;
        int sessionInstances = 1;
        int routingInstances = 1;
        List<String> services = SERVICES;
        boolean fastStart;
        boolean durableRedis;
        boolean kafkaProcess;
        Duration readyTimeout = Duration.ofSeconds(180);
        Consumer<String> say = s -> { };
        final Map<String, Map<String, String>> extraProps = new LinkedHashMap<>();
        final List<String> widgetOrigins = new ArrayList<>();

        /** The checkout whose packaged jars are started. */
        public Options root(Path root) {
            this.root = root;
            return this;
        }

        /** Where data, keys and logs go ({@code <work>/logs/<service>[-<n>].log}). */
        public Options work(Path work) {
            this.work = work;
            return this;
        }

        public Options heap(String heap) {
            this.heap = heap;
            return this;
        }

        /** Extra JVM options for every service ({@code %s} becomes the instance's name). */
        public Options jvmOpts(String jvmOpts) {
            this.jvmOpts = jvmOpts == null ? "" : jvmOpts;
            return this;
        }

        /** Partitions per topic (2 by default). */
        public Options partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        public Options sessionInstances(int n) {
            this.sessionInstances = n;
            return this;
        }

        /** routing-service instances (1 by default), all consuming the same topics in one consumer group. */
        public Options routingInstances(int n) {
            this.routingInstances = n;
            return this;
        }

        /**
         * Only these services (all four by default), e.g. routing-service alone for a test that plays session-service
         * by publishing its events. A service that calls another (session-service, knowledge-service) needs that one too.
         */
        public Options services(String... services) {
            List<String> chosen = List.of(services);
            for (String s : chosen) {
                if (!SERVICES.contains(s)) {
                    throw new IllegalArgumentException("unknown service " + s + "; known: " + SERVICES);
                }
            }
            this.services = SERVICES.stream().filter(chosen::contains).toList();
            return this;
        }

        /** C1 only: the services and the broker start faster and run slower (tests that count, not time). */
        public Options fastStart(boolean fastStart) {
            this.fastStart = fastStart;
            return this;
        }

        /** Redis with an append-only file, so that {@link #killInfra} and {@link #startInfra} keep its data. */
        public Options durableRedis(boolean durableRedis) {
            this.durableRedis = durableRedis;
            return this;
        }

        /** The broker in a process of its own, so that {@link #killInfra} and {@link #startInfra} can kill and start it. */
        public Options kafkaProcess(boolean kafkaProcess) {
            this.kafkaProcess = kafkaProcess;
            return this;
        }

        public Options readyTimeout(Duration readyTimeout) {
            this.readyTimeout = readyTimeout;
            return this;
        }

        /** Progress lines. */
        public Options say(Consumer<String> say) {
            this.say = say;
            return this;
        }

        /**
         * Sites besides session-service's own that may embed the widget (CORS and the sockets' Origin check); every
         * session instance's own origins, in both spellings, are always allowed.
         */
        public Options widgetOrigin(String origin) {
            widgetOrigins.add(origin);
            return this;
        }

        /** A system property for every instance of a service. */
        public Options property(String service, String key, String value) {
            extraProps.computeIfAbsent(service, k -> new LinkedHashMap<>()).put(key, value);
            return this;
        }
    }

    /** One running (or killed) instance of a service. */
    public static final class Node {
        private final String service;
        private final String name;
        private final int port;
        private final Path log;
        private final Path workDir;
        private final List<String> command;
        private final Map<String, String> env;
        private volatile Process process;

        private Node(String service, String name, int port, Path log, Path workDir, List<String> command, Map<String, String> env) {
            this.service = service;
            this.name = name;
            this.port = port;
            this.log = log;
            this.workDir = workDir;
            this.command = command;
            this.env = env;
        }

        public String service() {
            return service;
        }

        /** The service's name, with {@code -2}, {@code -3}... for further instances. */
        public String name() {
            return name;
        }

        public int port() {
            return port;
        }

        public String baseUrl() {
            return "http://127.0.0.1:" + port;
        }

        public String wsUrl(String path) {
            return "ws://127.0.0.1:" + port + path;
        }

        public Path log() {
            return log;
        }

        public long pid() {
            return process.pid();
        }

        public boolean alive() {
            return process != null && process.isAlive();
        }

        private void start() throws IOException {
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            process = builder.start();
        }

        /** True once {@code /q/health/ready} answers 200; fails at once if the process has died. */
        public boolean ready(HttpClient http) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; last lines of " + log
                        + ":\n" + tail(40));
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready")).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        public String tail(int lines) {
            try {
                List<String> all = Files.readAllLines(log);
                return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
            } catch (IOException | UncheckedIOException e) {
                return "(no log: " + e + ")";
            }
        }

        /** SIGKILL, as a crash: nothing is flushed or handed over. */
        public void kill() {
            if (process == null || !process.isAlive()) {
                return;
            }
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** SIGTERM, then SIGKILL after the grace period. */
        public void stop(Duration grace) {
            if (process == null || !process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private final InfraProcess infra;
    private final Map<String, List<Node>> nodes;
    private final PrivateKey privateKey;
    private final Path work;
    private final Duration readyTimeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private LocalSystem(InfraProcess infra, Map<String, List<Node>> nodes, PrivateKey privateKey, Path work, Duration readyTimeout) {
        this.infra = infra;
        this.nodes = nodes;
        this.privateKey = privateKey;
        this.work = work;
        this.readyTimeout = readyTimeout;
    }

    /** Starts the infrastructure and every service, and waits until all are ready. */
    public static LocalSystem start(Options o) {
        Map<String, Path> jars = new LinkedHashMap<>();
        for (String service : o.services) {
            Path jar = o.root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: package the services first (./mvnw -B package -DskipTests in "
                        + o.root.toAbsolutePath().normalize() + ")");
            }
            jars.put(service, jar);
        }
        InfraProcess infra = null;
        Map<String, List<Node>> nodes = new LinkedHashMap<>();
        try {
            Path work = Files.createDirectories(o.work.toAbsolutePath());
            long t0 = System.nanoTime();
            List<String> databases = o.services.stream().filter(s -> s.equals("history-service") || s.equals("knowledge-service"))
                    .map(s -> s.substring(0, s.indexOf('-'))).toList();
            infra = InfraProcess.start(Files.createTempDirectory(work, "infra-"), databases, o.partitions, o.fastStart,
                    o.durableRedis, o.kafkaProcess);
            o.say.accept(String.format("infrastructure ready in %d ms: kafka %s, redis %s, postgres %s:%d",
                    (System.nanoTime() - t0) / 1_000_000, infra.kafkaBootstrapServers(), infra.redisUrl(), infra.postgresHost(),
                    infra.postgresPort()));
            Path keys = work.resolve("keys");
            DevKeys.ensure(keys);
            PrivateKey key = DevKeys.readPrivateKey(keys.resolve(DevKeys.PRIVATE_KEY_FILE));
            String publicKey = "file:" + keys.resolve(DevKeys.PUBLIC_KEY_FILE);
            Map<String, List<Integer>> ports = new LinkedHashMap<>();
            // each free port is released before the next is asked for, so the same one can come back: two instances on
            // one port left one of them unable to bind, and the other answered the readiness checks of both
            Set<Integer> picked = new HashSet<>();
            for (String service : o.services) {
                List<Integer> p = new ArrayList<>();
                int instances = switch (service) {
                    case "session-service" -> Math.max(1, o.sessionInstances);
                    case "routing-service" -> Math.max(1, o.routingInstances);
                    default -> 1;
                };
                for (int i = 0; i < instances; i++) {
                    int port = Ports.free();
                    while (!picked.add(port)) {
                        port = Ports.free();
                    }
                    p.add(port);
                }
                ports.put(service, p);
            }
            Path logs = Files.createDirectories(work.resolve("logs"));
            for (String service : o.services) {
                List<Node> list = new ArrayList<>();
                for (int i = 0; i < ports.get(service).size(); i++) {
                    String name = i == 0 ? service : service + "-" + (i + 1);
                    int port = ports.get(service).get(i);
                    Map<String, String> props = new LinkedHashMap<>();
                    Map<String, String> env = new LinkedHashMap<>();
                    configure(service, name, port, ports, infra, key, publicKey, props, env);
                    if ("session-service".equals(service)) {
                        List<String> origins = new ArrayList<>();
                        for (int p : ports.get(service)) {
                            origins.add("http://127.0.0.1:" + p);
                            origins.add("http://localhost:" + p);
                        }
                        origins.addAll(o.widgetOrigins);
                        env.put("CHATROUTE_WIDGET_ORIGINS", String.join(",", origins));
                    }
                    props.putAll(o.extraProps.getOrDefault(service, Map.of()));
                    List<String> command = command(name, jars.get(service), o, props);
                    Node node = new Node(service, name, port, logs.resolve(name + ".log"), Files.createDirectories(work.resolve(name)),
                            command, env);
                    node.start();
                    list.add(node);
                }
                nodes.put(service, list);
            }
            LocalSystem system = new LocalSystem(infra, nodes, key, work, o.readyTimeout);
            for (List<Node> list : nodes.values()) {
                for (Node n : list) {
                    system.awaitReady(n);
                }
            }
            o.say.accept(String.format("services ready in %d ms (logs in %s)", (System.nanoTime() - t0) / 1_000_000, logs));
            return system;
        } catch (IOException e) {
            stopAll(infra, nodes);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stopAll(infra, nodes);
            throw e;
        }
    }

    private static void configure(String service, String name, int port, Map<String, List<Integer>> ports, InfraProcess infra,
                                  PrivateKey key, String publicKey, Map<String, String> props, Map<String, String> env) {
        props.put("quarkus.http.port", Integer.toString(port));
        props.put("quarkus.http.host", "127.0.0.1");
        props.put("kafka.bootstrap.servers", infra.kafkaBootstrapServers());
        props.put("mp.jwt.verify.publickey.location", publicKey);
        props.put("mp.jwt.verify.issuer", DevTokens.ISSUER);
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
        env.put("CHATROUTE_JWT_PUBLIC_KEY", publicKey);
        env.put("CHATROUTE_JWT_ISSUER", DevTokens.ISSUER);
        switch (service) {
            case "routing-service" -> props.put("quarkus.redis.hosts", infra.redisUrl());
            case "session-service" -> {
                String routingUrl = "http://127.0.0.1:" + ports.get("routing-service").getFirst();
                props.put("quarkus.redis.hosts", infra.redisUrl());
                props.put("quarkus.rest-client.routing.url", routingUrl);
                env.put("CHATROUTE_ROUTING_URL", routingUrl);
                // secrets: environment only, never on the command line (no process list shows them)
                env.put("CHATROUTE_ROUTING_TOKEN", DevTokens.mint(key, "session-service", Duration.ofDays(1), "platform"));
                env.put("CHATROUTE_HISTORY_URL", "http://127.0.0.1:" + ports.get("history-service").getFirst());
                env.put("CHATROUTE_HISTORY_TOKEN", DevTokens.mint(key, "session-service", Duration.ofDays(1), "platform"));
                env.put("CHATROUTE_KNOWLEDGE_URL", "http://127.0.0.1:" + ports.get("knowledge-service").getFirst());
            }
            default -> {
                String db = service.substring(0, service.indexOf('-'));
                props.put("quarkus.datasource.reactive.url", infra.postgresReactiveUrl(db));
                props.put("quarkus.datasource.jdbc.url", infra.postgresJdbcUrl(db));
                props.put("quarkus.datasource.username", Infrastructure.postgresUser());
                env.put("QUARKUS_DATASOURCE_PASSWORD", Infrastructure.postgresPassword());
                if ("knowledge-service".equals(service)) {
                    // the bot posts its answers through session-service's REST API (a platform token)
                    env.put("CHATROUTE_KNOWLEDGE_BOT_SESSION_URL", "http://127.0.0.1:" + ports.get("session-service").getFirst());
                    env.put("CHATROUTE_KNOWLEDGE_BOT_TOKEN", DevTokens.mint(key, "knowledge-bot", Duration.ofDays(1), "platform"));
                }
            }
        }
    }

    private static List<String> command(String name, Path jar, Options o, Map<String, String> props) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + o.heap));
        if (!o.jvmOpts.matches("(?s).*-XX:\\+Use\\w+GC.*")) {
            command.add("-XX:+UseSerialGC"); // the default; jvmOpts may choose another collector
        }
        if (o.fastStart) {
            command.add("-XX:TieredStopAtLevel=1");
        }
        for (String opt : o.jvmOpts.trim().split("\\s+")) {
            if (!opt.isEmpty()) {
                command.add(opt.replace("%s", name));
            }
        }
        props.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        return command;
    }

    private void awaitReady(Node n) {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (!n.ready(http)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(n.name() + " not ready after " + readyTimeout.toSeconds() + " s; see " + n.log());
            }
            try {
                Thread.sleep(250); // polling another process's readiness endpoint: nothing to wait on but time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + n.name(), e);
            }
        }
    }

    /** Starts a killed or stopped instance again, on its port with its settings, and waits until it is ready. */
    public void restart(Node n) {
        if (n.alive()) {
            throw new IllegalStateException(n.name() + " is still running");
        }
        try {
            n.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady(n);
    }

    /**
     * Kills PostgreSQL, Redis or Kafka ({@code what}: {@code postgres}, {@code redis}, {@code kafka}) with SIGKILL, as a
     * crash would; returns the pid it had. Redis keeps its data only with {@link Options#durableRedis}; Kafka can be
     * killed only with {@link Options#kafkaProcess}.
     */
    public long killInfra(String what) {
        return infra.control("kill", what, Duration.ofSeconds(60));
    }

    /** Starts PostgreSQL, Redis or Kafka again after {@link #killInfra}, on its port from its data, and waits until it is up. */
    public void startInfra(String what) {
        infra.control("start", what, Duration.ofSeconds(180));
    }

    /** The first instance of a service. */
    public Node node(String service) {
        return nodes.get(service).getFirst();
    }

    /** The service's instances (session-service may have several). */
    public List<Node> nodes(String service) {
        return nodes.get(service);
    }

    public String url(String service) {
        return node(service).baseUrl();
    }

    public String kafka() {
        return infra.kafkaBootstrapServers();
    }

    public String redis() {
        return infra.redisUrl();
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** A JWT signed with this system's development key. */
    public String token(String subject, Duration ttl, String... roles) {
        return DevTokens.mint(privateKey, subject, ttl, roles);
    }

    /**
     * The processes to report on, by name: each service instance, the infrastructure JVM (with Kafka in it, or Kafka
     * in a process of its own as {@code kafka}), Redis and PostgreSQL's postmaster.
     */
    public Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        nodes.values().forEach(list -> list.stream().filter(Node::alive).forEach(n -> pids.put(n.name(), n.pid())));
        infraProcess().ifPresent(infraJvm -> {
            Optional<ProcessHandle> kafka = infraJvm.children()
                    .filter(p -> ProcFs.cmdline(p.pid()).contains("io.chatroute.infra.KafkaMain")).findFirst();
            pids.put(kafka.isPresent() ? "infra-jvm" : "infra-jvm (kafka)", infraJvm.pid());
            kafka.ifPresent(p -> pids.put("kafka", p.pid()));
            infraJvm.descendants().filter(p -> ProcFs.cmdline(p.pid()).contains("redis-server")).findFirst()
                    .ifPresent(p -> pids.put("redis", p.pid()));
        });
        // pg_ctl daemonises PostgreSQL: its postmaster is no descendant, find it by its data directory under ours
        ProcessHandle.allProcesses().filter(p -> {
            String cmd = ProcFs.cmdline(p.pid());
            return cmd.contains("bin/postgres") && cmd.contains(work.toString())
                    && p.parent().map(parent -> !ProcFs.cmdline(parent.pid()).contains("bin/postgres")).orElse(true);
        }).findFirst().ifPresent(p -> pids.put("postgres (postmaster)", p.pid()));
        return pids;
    }

    private static Optional<ProcessHandle> infraProcess() {
        return ProcessHandle.current().children().filter(p -> ProcFs.cmdline(p.pid()).contains("io.chatroute.infra.InfraMain"))
                .findFirst();
    }

    @Override
    public void close() {
        stopAll(infra, nodes);
    }

    private static void stopAll(InfraProcess infra, Map<String, List<Node>> nodes) {
        List<Node> reversed = new ArrayList<>();
        nodes.values().forEach(reversed::addAll);
        java.util.Collections.reverse(reversed);
        reversed.stream().filter(Node::alive).forEach(n -> n.process.destroy()); // all at once, then wait for each
        reversed.forEach(n -> n.stop(Duration.ofSeconds(20)));
        if (infra != null) {
            infra.close();
        }
    }
}
