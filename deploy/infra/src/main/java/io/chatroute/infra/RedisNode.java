package io.chatroute.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import redis.embedded.RedisServer;
import redis.embedded.RedisServerBuilder;

/**
 * A real redis-server (the static 7.0 binary shipped by embedded-redis) on loopback. With a data
 * directory it persists with an append-only file, so the local run keeps its state between runs.
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
            server = builder.build();
            server.start();
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
