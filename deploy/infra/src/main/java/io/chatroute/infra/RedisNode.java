package io.chatroute.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import redis.embedded.RedisServer;
import redis.embedded.RedisServerBuilder;

/**
 * A real redis-server (the static 7.0 binary shipped by embedded-redis) on loopback. With a data
 * directory it persists with an append-only file, so the local run keeps its state between runs, and a
 * server killed and started again ({@link #kill()}, {@link #start()}) comes back with the writes it
 * acknowledged: each is normally written to the file before its reply (with {@code appendfsync everysec}, a slow
 * background fsync can hold that write back for up to 2 s, and a crash of the host loses about a second).
 */
public final class RedisNode implements AutoCloseable {

    private final int port;
    private final Path dataDir;
    private RedisServer server;

    /** @param dataDir where to keep the append-only file, or null for a throw-away, memory-only server */
    public RedisNode(int port, Path dataDir) {
        this.port = Ports.orFree(port);
        this.dataDir = dataDir == null ? null : dataDir.toAbsolutePath();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * Kills the server with SIGKILL, as a crash would (no final write, no clean shutdown); returns its pid. Only
     * with a data directory does {@link #start()} bring its data back.
     */
    public long kill() {
        if (server == null) {
            throw new IllegalStateException("Redis is not running");
        }
        ProcessHandle p = process().orElseThrow(() -> new IllegalStateException("no redis-server process on port " + port));
        ProcFs.killAndAwait(java.util.List.of(p), "redis-server");
        try {
            server.stop(); // its process is gone already: this only lets it go
        } catch (RuntimeException e) {
            // nothing left to stop
        } finally {
            server = null;
        }
        return p.pid();
    }

    /** The redis-server process serving this port: a descendant of this JVM. */
    private java.util.Optional<ProcessHandle> process() {
        return ProcessHandle.current().descendants().filter(h -> {
            String cmd = ProcFs.cmdline(h.pid());
            return cmd.contains("redis-server") && cmd.matches("(?s).*:" + port + "(\\s.*|$)");
        }).findFirst();
    }

    public RedisNode start() {
        try {
            RedisServerBuilder builder = RedisServer.builder().bind("127.0.0.1").port(port)
                    .setting("save \"\"")
                    .setting("protected-mode yes");
            if (dataDir != null) {
                Files.createDirectories(dataDir);
                builder.setting("dir " + dataDir).setting("appendonly yes").setting("appendfsync everysec");
            } else {
                builder.setting("appendonly no");
            }
            RedisServer started = builder.build();
            started.start();
            server = started;
            return this;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Redis did not start on port " + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.stop();
            } finally {
                server = null;
            }
        }
    }
}
