package io.chatroute.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One service started from its packaged jar as a separate JVM, with its output in a log file. */
final class ServiceProcess {

    final String name;
    final int port;
    final Path log;
    private final Process process;
    private final long startedAtNanos = System.nanoTime();
    private long readyAfterMillis = -1;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts {@code java -Xmx<heap> -D<props>... -jar <jar>} with extra environment variables
     * (secrets go there, not on the command line, so they never show in a process list).
     */
    static ServiceProcess start(String name, Path jar, int port, String heap, Map<String, String> systemProperties,
            Map<String, String> environment, Path logDir, Path workDir) {
        try {
            Files.createDirectories(logDir);
            Files.createDirectories(workDir);
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1"));
            systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-jar");
            command.add(jar.toAbsolutePath().toString());
            Path log = logDir.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            return new ServiceProcess(name, port, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** True once {@code /q/health/ready} answers 200; fails at once if the process has died. */
    boolean ready(HttpClient http) {
        if (!process.isAlive()) {
            throw new AssertionError(name + " exited with " + process.exitValue() + " during start-up; last lines of "
                    + log + ":\n" + tail(40));
        }
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 200) {
                if (readyAfterMillis < 0) {
                    readyAfterMillis = (System.nanoTime() - startedAtNanos) / 1_000_000;
                }
                return true;
            }
            return false;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    long readyAfterMillis() {
        return readyAfterMillis;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Resident set size in KiB from /proc/&lt;pid&gt;/status (VmRSS), or -1 where /proc is missing. */
    long rssKib() {
        return rssKib(process.pid());
    }

    static long rssKib(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL after the grace period. */
    void stop(Duration grace) {
        if (!process.isAlive()) {
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
