package io.chatroute.loadtest;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.chatroute.infra.DevKeys;
import io.chatroute.infra.DevTokens;
import io.chatroute.infra.InfraProcess;
import io.chatroute.infra.Infrastructure;
import io.chatroute.infra.Ports;

/**
 * {@code --start}: real Kafka, PostgreSQL and Redis ({@link InfraProcess}, a child JVM on free ports) and the four
 * packaged services ({@code <root>/<service>/target/quarkus-app/quarkus-run.jar}) as separate JVMs on free
 * loopback ports, the way deploy/e2e starts them. Everything stops on {@link #close()}.
 */
final class StartedSystem implements AutoCloseable {

    static final List<String> SERVICES = List.of("routing-service", "session-service", "history-service",
            "knowledge-service");

    /** One started service. */
    record Service(String name, int port, Process process, Path log) {
        String baseUrl() {
            return "http://127.0.0.1:" + port;
        }
    }

    private final InfraProcess infra;
    private final Map<String, Service> services;
    private final PrivateKey privateKey;
    private final Path work;

    private StartedSystem(InfraProcess infra, Map<String, Service> services, PrivateKey privateKey, Path work) {
        this.infra = infra;
        this.services = services;
        this.privateKey = privateKey;
        this.work = work;
    }

    /** Starts everything from the jars under {@code root}, with data and logs under {@code work}. */
    static StartedSystem start(Path root, Path work, String heap, String jvmOpts, int partitions, Duration readyTimeout,
                               java.util.function.Consumer<String> say) {
        Map<String, Path> jars = new LinkedHashMap<>();
        for (String service : SERVICES) {
            Path jar = root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: package the services first (./mvnw -B package "
                        + "-DskipTests in " + root + ")");
            }
            jars.put(service, jar);
        }
        InfraProcess infra = null;
        Map<String, Service> started = new LinkedHashMap<>();
        try {
            Files.createDirectories(work);
            long t0 = System.nanoTime();
            infra = InfraProcess.start(Files.createTempDirectory(work, "infra-"), List.of("history", "knowledge"), partitions);
            say.accept(String.format("infrastructure ready in %d ms: kafka %s, redis %s, postgres %s:%d",
                    (System.nanoTime() - t0) / 1_000_000, infra.kafkaBootstrapServers(), infra.redisUrl(),
                    infra.postgresHost(), infra.postgresPort()));
            Path keys = work.resolve("keys");
            DevKeys.ensure(keys);
            PrivateKey key = DevKeys.readPrivateKey(keys.resolve(DevKeys.PRIVATE_KEY_FILE));
            String publicKey = "file:" + keys.resolve(DevKeys.PUBLIC_KEY_FILE);
            Map<String, Integer> ports = new LinkedHashMap<>();
            SERVICES.forEach(s -> ports.put(s, Ports.free()));
            Path logs = Files.createDirectories(work.resolve("logs"));
            for (String service : SERVICES) {
                Map<String, String> props = new LinkedHashMap<>();
                Map<String, String> env = new LinkedHashMap<>();
                props.put("quarkus.http.port", ports.get(service).toString());
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
                        String routingUrl = "http://127.0.0.1:" + ports.get("routing-service");
                        props.put("quarkus.redis.hosts", infra.redisUrl());
                        props.put("quarkus.rest-client.routing.url", routingUrl);
                        // every simulated visitor starts from 127.0.0.1: the per-address start limit would refuse them
                        props.put("chatroute.limits.starts-per-minute-per-address", "100000000");
                        env.put("CHATROUTE_ROUTING_URL", routingUrl);
                        env.put("CHATROUTE_ROUTING_TOKEN", DevTokens.mint(key, "session-service", Duration.ofDays(1),
                                "platform"));
                        env.put("CHATROUTE_HISTORY_URL", "http://127.0.0.1:" + ports.get("history-service"));
                        env.put("CHATROUTE_HISTORY_TOKEN", DevTokens.mint(key, "session-service", Duration.ofDays(1),
                                "platform"));
                    }
                    default -> {
                        String db = service.substring(0, service.indexOf('-'));
                        props.put("quarkus.datasource.reactive.url", infra.postgresReactiveUrl(db));
                        props.put("quarkus.datasource.jdbc.url", infra.postgresJdbcUrl(db));
                        props.put("quarkus.datasource.username", Infrastructure.postgresUser());
                        env.put("QUARKUS_DATASOURCE_PASSWORD", Infrastructure.postgresPassword());
                    }
                }
                started.put(service, startService(service, jars.get(service), ports.get(service), heap, jvmOpts, props, env, logs,
                        Files.createDirectories(work.resolve(service))));
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + readyTimeout.toNanos();
            for (Service s : started.values()) {
                while (!ready(http, s)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(s.name() + " not ready after " + readyTimeout.toSeconds()
                                + " s; see " + s.log());
                    }
                    Thread.sleep(250); // polling a readiness endpoint of another process
                }
            }
            say.accept(String.format("services ready in %d ms (logs in %s)", (System.nanoTime() - t0) / 1_000_000, logs));
            return new StartedSystem(infra, started, key, work.toAbsolutePath());
        } catch (IOException e) {
            stopAll(infra, started);
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopAll(infra, started);
            throw new IllegalStateException("interrupted while starting", e);
        } catch (RuntimeException e) {
            stopAll(infra, started);
            throw e;
        }
    }

    private static Service startService(String name, Path jar, int port, String heap, String jvmOpts, Map<String, String> props,
            Map<String, String> env, Path logs, Path workDir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // as deploy/run-local.sh runs them: full tiered compilation, since a load run measures the steady state
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap));
        if (!jvmOpts.matches("(?s).*-XX:\\+Use\\w+GC.*")) {
            command.add("-XX:+UseSerialGC"); // the default; --service-jvm-opts may choose another collector
        }
        for (String opt : jvmOpts.trim().split("\\s+")) {
            if (!opt.isEmpty()) {
                command.add(opt.replace("%s", name));
            }
        }
        props.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        Path log = logs.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        return new Service(name, port, builder.start(), log);
    }

    private static boolean ready(HttpClient http, Service s) throws InterruptedException {
        if (!s.process().isAlive()) {
            throw new IllegalStateException(s.name() + " exited with " + s.process().exitValue() + "; see " + s.log());
        }
        try {
            return http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    String url(String service) {
        return services.get(service).baseUrl();
    }

    String kafka() {
        return infra.kafkaBootstrapServers();
    }

    String redis() {
        return infra.redisUrl();
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    Map<String, Service> services() {
        return services;
    }

    /**
     * The processes to report memory for: each service, the infrastructure JVM (Kafka) and its children
     * (PostgreSQL, Redis), by name.
     */
    Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        services.values().forEach(s -> pids.put(s.name(), s.process().pid()));
        infraProcess().ifPresent(infraJvm -> {
            pids.put("infra-jvm (kafka)", infraJvm.pid());
            infraJvm.descendants().forEach(p -> {
                String cmd = cmdline(p.pid());
                String name = cmd.contains("redis-server") ? "redis" : null;
                if (name != null) {
                    String key = name;
                    for (int i = 2; pids.containsKey(key); i++) {
                        key = name + "-" + i;
                    }
                    pids.put(key, p.pid());
                }
            });
        });
        // pg_ctl daemonises PostgreSQL: its postmaster is no descendant, find it by its data directory under ours
        ProcessHandle.allProcesses().filter(p -> {
            String cmd = cmdline(p.pid());
            return cmd.contains("bin/postgres") && cmd.contains(work.toString())
                    && p.parent().map(parent -> !cmdline(parent.pid()).contains("bin/postgres")).orElse(true);
        }).findFirst().ifPresent(p -> pids.put("postgres (postmaster)", p.pid()));
        return pids;
    }

    private static Optional<ProcessHandle> infraProcess() {
        return ProcessHandle.current().children().filter(p -> cmdline(p.pid()).contains("io.chatroute.infra.InfraMain"))
                .findFirst();
    }

    /** The command line from /proc (ProcessHandle.Info may leave the arguments out). */
    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * CPU time (user + system) of a process in seconds, -1 when unknown; for a PostgreSQL postmaster its backends
     * are added (they do the work and are not its waited-for children).
     */
    static double cpuSeconds(long pid) {
        double own = cpuTicks(pid);
        if (own < 0) {
            return -1;
        }
        if (cmdline(pid).contains("bin/postgres")) {
            own += ProcessHandle.allProcesses().filter(p -> p.parent().map(q -> q.pid() == pid).orElse(false))
                    .mapToDouble(p -> Math.max(0, cpuTicks(p.pid()))).sum();
        }
        return own / 100.0; // USER_HZ
    }

    private static double cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** VmRSS of a process in KiB, or -1. */
    static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        stopAll(infra, services);
    }

    private static void stopAll(InfraProcess infra, Map<String, Service> services) {
        List<Service> reversed = new ArrayList<>(services.values());
        java.util.Collections.reverse(reversed);
        reversed.forEach(s -> s.process().destroy());
        for (Service s : reversed) {
            try {
                if (!s.process().waitFor(20, TimeUnit.SECONDS)) {
                    s.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                s.process().destroyForcibly();
            }
        }
        if (infra != null) {
            infra.close();
        }
    }
}
