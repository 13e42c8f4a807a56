package io.chatroute.infra;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@link InfraMain} as a child JVM (so the broker's classes and heap stay out of the caller's
 * JVM) and reads back where Kafka, PostgreSQL and Redis listen. Used by every service's test resource
 * and by the end-to-end test. The child stops with its parent.
 */
public final class InfraProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile(
            "INFRA READY kafka=(\\S+) postgres=(\\S+):(\\d+) redis=(\\S+)");

    private static final Pattern ANSWER = Pattern.compile("INFRA (DONE|FAILED) (.*)");

    private final Process process;
    /** The answers to {@link #control} commands, as the pump reads them. */
    private final java.util.concurrent.BlockingQueue<Matcher> answers;
    private final String kafkaBootstrapServers;
    private final String postgresHost;
    private final int postgresPort;
    private final String redisUrl;

    private InfraProcess(Process process, Matcher ready, java.util.concurrent.BlockingQueue<Matcher> answers) {
        this.process = process;
        this.answers = answers;
        this.kafkaBootstrapServers = ready.group(1);
        this.postgresHost = ready.group(2);
        this.postgresPort = Integer.parseInt(ready.group(3));
        this.redisUrl = ready.group(4);
    }

    /**
     * Starts throw-away infrastructure on free ports with data under {@code dataDir}, creating the
     * given databases. Output goes to {@code dataDir/infra.log}.
     */
    public static InfraProcess start(Path dataDir, List<String> databases) {
        return start(dataDir, databases, 2, true);
    }

    /**
     * The same, with the topics created with this many partitions (the unit of consumer parallelism). {@code fastStart}
     * runs the broker's JVM with C1 only: ready sooner and cheaper for a short test, but its steady state costs more
     * CPU per record than with tiered compilation (measured under the load tool, root README), so a measurement of
     * the system under load starts it without.
     */
    public static InfraProcess start(Path dataDir, List<String> databases, int partitions, boolean fastStart) {
        return start(dataDir, databases, partitions, fastStart, false);
    }

    /**
     * The same; {@code durableRedis}: Redis keeps an append-only file in {@code dataDir}, so a Redis killed and started
     * again through {@link #control} comes back with its data.
     */
    public static InfraProcess start(Path dataDir, List<String> databases, int partitions, boolean fastStart,
                                     boolean durableRedis) {
        return start(dataDir, databases, partitions, fastStart, durableRedis, false);
    }

    /**
     * The same; {@code kafkaProcess}: the broker runs in a process of its own (a child of the infrastructure process),
     * which {@link #control} can kill and start again.
     */
    public static InfraProcess start(Path dataDir, List<String> databases, int partitions, boolean fastStart,
                                     boolean durableRedis, boolean kafkaProcess) {
        try {
            Files.createDirectories(dataDir);
            Path log = dataDir.resolve("infra.log");
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC"));
            if (fastStart) {
                command.add("-XX:TieredStopAtLevel=1");
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    "-Djava.io.tmpdir=" + Files.createDirectories(dataDir.resolve("tmp")),
                    InfraMain.class.getName(), "--data", dataDir.toString(), "--ephemeral",
                    "--kafka-port", "0", "--postgres-port", "0", "--redis-port", "0", "--partitions", Integer.toString(partitions),
                    "--parent-pid", Long.toString(ProcessHandle.current().pid()), "--control"));
            if (!databases.isEmpty()) {
                command.add("--databases");
                command.add(String.join(",", databases));
            }
            if (durableRedis) {
                command.add("--durable-redis");
            }
            if (kafkaProcess) {
                command.add("--kafka-process");
            }
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<Matcher> ready = new CompletableFuture<>();
            java.util.concurrent.BlockingQueue<Matcher> answers = new java.util.concurrent.LinkedBlockingQueue<>();
            Thread pump = new Thread(() -> pump(process, log, ready, answers), "infra-log");
            pump.setDaemon(true);
            pump.start();
            try {
                return new InfraProcess(process, ready.get(90, TimeUnit.SECONDS), answers);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                process.destroyForcibly();
                throw new IllegalStateException("infrastructure did not start; see " + log, e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void pump(Process process, Path log, CompletableFuture<Matcher> ready,
                             java.util.concurrent.BlockingQueue<Matcher> answers) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             var out = Files.newBufferedWriter(log)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                Matcher m = READY.matcher(line);
                if (!ready.isDone() && m.find()) {
                    ready.complete(m);
                }
                Matcher answer = ANSWER.matcher(line);
                if (answer.matches()) {
                    answers.add(answer);
                }
            }
            ready.completeExceptionally(new IllegalStateException("infrastructure process exited with " + process.waitFor()));
        } catch (IOException | InterruptedException e) {
            ready.completeExceptionally(e);
        }
    }

    public String kafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    public String postgresHost() {
        return postgresHost;
    }

    public int postgresPort() {
        return postgresPort;
    }

    public String redisUrl() {
        return redisUrl;
    }

    public String postgresReactiveUrl(String database) {
        return "postgresql://" + postgresHost + ":" + postgresPort + "/" + database;
    }

    public String postgresJdbcUrl(String database) {
        return "jdbc:postgresql://" + postgresHost + ":" + postgresPort + "/" + database;
    }

    /**
     * Kills ({@code kill}) or starts again ({@code start}) PostgreSQL, Redis or Kafka (when started in a process of its
     * own) in the infrastructure process, as fault injection: {@code control("kill", "postgres")}. Returns the pid it had (kill) or has (start; -1 when unknown).
     * One command at a time.
     */
    public synchronized long control(String verb, String what, java.time.Duration timeout) {
        String command = verb + " " + what;
        answers.clear();
        try {
            var in = process.getOutputStream();
            in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            long deadline = System.nanoTime() + timeout.toNanos();
            Matcher answer = null;
            while (answer == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no answer to '" + command + "' within " + timeout.toSeconds() + " s");
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("the infrastructure process ended before answering '" + command + "'");
                }
                Matcher m = answers.poll(500, TimeUnit.MILLISECONDS);
                // an answer to an earlier command that timed out is not this one's
                if (m != null && (m.group(2).equals(command) || m.group(2).startsWith(command + " ")
                        || m.group(2).startsWith(command + ":"))) {
                    answer = m;
                }
            }
            if (answer.group(1).equals("FAILED")) {
                throw new IllegalStateException(answer.group(2));
            }
            String rest = answer.group(2);
            return Long.parseLong(rest.substring(rest.lastIndexOf(' ') + 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send '" + command + "' to the infrastructure process", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        ProcFs.terminate(process);
    }
}
