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
    private Process process;

    public KafkaProcess(int port, int controllerPort, Path dataDir, int partitions) {
        this.port = Ports.orFree(port);
        this.controllerPort = Ports.orFree(controllerPort);
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
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("Kafka is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(dataDir);
            Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), KafkaMain.class.getName(),
                    "--port", Integer.toString(port), "--controller-port", Integer.toString(controllerPort),
                    "--data", dataDir.toString(), "--partitions", Integer.toString(partitions),
                    "--parent-pid", Long.toString(ProcessHandle.current().pid())));
            Process started = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread pump = new Thread(() -> pump(started, log, ready), "kafka-log");
            pump.setDaemon(true);
            pump.start();
            try {
                ready.get(120, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                started.destroyForcibly();
                throw new IllegalStateException("Kafka did not start on port " + port + "; see " + log, e);
            }
            process = started;
            return started.pid();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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

    /** Stops the broker cleanly (SIGTERM; SIGKILL after 30 s). */
    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }
}
