package io.chatroute.infra;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A single-node Kafka broker ({@link KafkaNode}) in a child JVM ({@link KafkaMain}), so that fault injection can kill it
 * with SIGKILL ({@link #kill}) and start it again on the same ports from the same log directory ({@link #start}). The
 * child runs with this JVM's options (heap, collector, compiler) and classpath; its output is appended to
 * {@code kafka.log} beside its data. It ends with this process.
 */
public final class KafkaProcess implements AutoCloseable {

    private static final String READY = "KAFKA READY ";

    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final int partitions;
    private static final int READY_TIMEOUT_SECONDS = 60;

    private Process process;
    /** The process being started, until it is ready: {@link #close} ends it at once. */
    private volatile Process starting;
    private volatile boolean closed;

    public KafkaProcess(int port, int controllerPort, Path dataDir, int partitions) {
        // below the ephemeral range: the clients' reconnects while it is down cannot take its port
        this.port = port > 0 ? port : Ports.freeOutsideEphemeral();
        this.controllerPort = controllerPort > 0 ? controllerPort : Ports.freeOutsideEphemeral();
        this.dataDir = dataDir.toAbsolutePath();
        this.partitions = partitions;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The broker's pid, -1 when it is not running. */
    public synchronized long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /** Starts the broker (again, after {@link #kill}: it recovers its logs) and waits until it listens; returns its pid. */
    public synchronized long start() {
        if (closed) {
            throw new IllegalStateException("Kafka's process was closed");
        }
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("Kafka is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(dataDir);
            Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(jvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), KafkaMain.class.getName(),
                    "--port", Integer.toString(port), "--controller-port", Integer.toString(controllerPort),
                    "--data", dataDir.toString(), "--partitions", Integer.toString(partitions),
                    "--parent-pid", Long.toString(ProcessHandle.current().pid())));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            // options from the environment would be applied to the child as well (a debugger's agent twice, ...)
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            builder.environment().remove("JDK_JAVA_OPTIONS");
            Process started = builder.start();
            starting = started;
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread pump = new Thread(() -> pump(started, log, ready), "kafka-log");
            pump.setDaemon(true);
            pump.start();
            try {
                ready.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException | InterruptedException e) {
                started.destroyForcibly();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException(closed ? "Kafka's start was stopped: the infrastructure is stopping"
                        : "Kafka did not start on port " + port + "; see " + log, e);
            } finally {
                starting = null;
            }
            if (closed) {
                started.destroyForcibly();
                throw new IllegalStateException("Kafka's start was stopped: the infrastructure is stopping");
            }
            process = started;
            return started.pid();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The options of this JVM that the broker's JVM takes too: heap and stack sizes, the collector, the compiler's
     * level, the temporary directory. Not agents, a debugger, JMX, or output files (the two would share them).
     */
    static List<String> jvmOptions(List<String> inherited) {
        return inherited.stream().filter(a -> a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-Xss")
                || a.matches("-XX:\\+Use\\w*GC") || a.startsWith("-XX:TieredStopAtLevel=")
                || a.startsWith("-Djava.io.tmpdir=")).toList();
    }

    private static void pump(Process process, Path log, CompletableFuture<Void> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             var out = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                if (!ready.isDone() && line.startsWith(READY)) {
                    ready.complete(null);
                }
            }
            ready.completeExceptionally(new IllegalStateException("the broker's process exited with " + process.waitFor()));
        } catch (IOException | InterruptedException e) {
            ready.completeExceptionally(e);
        }
    }

    /**
     * Kills the broker with SIGKILL, as a crash would (no controlled shutdown, nothing flushed by it); returns the pid it
     * had. What it acknowledged is in the operating system's page cache already, so a start finds it.
     */
    public synchronized long kill() {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("Kafka is not running");
        }
        long pid = process.pid();
        ProcFs.killAndAwait(List.of(process.toHandle()), "kafka");
        process = null;
        return pid;
    }

    /** Stops the broker cleanly (SIGTERM; SIGKILL after 30 s); a start under way is ended at once. */
    @Override
    public void close() {
        closed = true;
        Process pending = starting;
        if (pending != null) {
            pending.destroyForcibly();
        }
        stop();
    }

    private synchronized void stop() {
        if (process == null) {
            return;
        }
        ProcFs.terminate(process);
        process = null;
    }
}
