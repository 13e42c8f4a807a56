package io.chatroute.infra;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import redis.embedded.RedisServer;

/**
 * A real Redis Cluster on loopback: {@code masters} redis-server processes (the static binary shipped by embedded-redis)
 * in cluster mode, the 16,384 slots split evenly between them, joined with {@code CLUSTER MEET}, ready once every node
 * says {@code cluster_state:ok}. Memory only, no replicas: for tests that must prove a service's keys and scripts run on
 * a cluster (a script whose keys span slots fails with CROSSSLOT; a key on another node with MOVED).
 */
public final class RedisCluster implements AutoCloseable {

    private static final int SLOTS = 16384;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final List<Integer> ports = new ArrayList<>();
    private final List<RedisServer> servers = new ArrayList<>();

    private RedisCluster() {
    }

    /** Starts and joins the nodes; their cluster files go under {@code dir}. */
    public static RedisCluster start(int masters, Path dir) {
        if (masters < 3) {
            throw new IllegalArgumentException("a Redis Cluster needs at least 3 masters");
        }
        RedisCluster cluster = new RedisCluster();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < masters; i++) {
                int port = freeWithBusPort(cluster.ports);
                Path nodeDir = Files.createDirectories(dir.resolve("node-" + port));
                RedisServer server = RedisServer.builder().bind("127.0.0.1").port(port)
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .setting("protected-mode yes")
                        .setting("dir " + nodeDir.toAbsolutePath())
                        .setting("cluster-enabled yes")
                        .setting("cluster-config-file nodes.conf")
                        .setting("cluster-node-timeout 5000")
                        .build();
                server.start();
                cluster.servers.add(server);
                cluster.ports.add(port);
            }
            for (int i = 0; i < masters; i++) {
                int from = i * SLOTS / masters;
                int to = (i + 1) * SLOTS / masters - 1;
                expectOk(command(cluster.ports.get(i), "CLUSTER", "ADDSLOTSRANGE", Integer.toString(from), Integer.toString(to)));
            }
            for (int i = 1; i < masters; i++) {
                expectOk(command(cluster.ports.get(0), "CLUSTER", "MEET", "127.0.0.1", Integer.toString(cluster.ports.get(i))));
            }
            cluster.awaitReady();
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw new IllegalStateException("Redis Cluster did not start: " + e.getMessage(), e);
        }
    }

    /** The nodes' URLs, comma-separated ({@code quarkus.redis.hosts} with {@code quarkus.redis.client-type=cluster}). */
    public String hosts() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** Runs one command on every node (a test's ACL change must reach all of them); returns the answers in node order. */
    public List<Object> onEveryNode(String... args) {
        List<Object> out = new ArrayList<>();
        for (int port : ports) {
            try {
                out.add(command(port, args));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** How many keys each node holds (DBSIZE), in node order: a test can check that keys spread over the nodes. */
    public List<Long> keysPerNode() {
        List<Long> out = new ArrayList<>();
        for (int port : ports) {
            try {
                out.add((Long) command(port, "DBSIZE"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private void awaitReady() throws IOException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (true) {
            boolean ready = true;
            for (int port : ports) {
                String info = String.valueOf(command(port, "CLUSTER", "INFO"));
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + ports.size())) {
                    ready = false;
                    break;
                }
            }
            if (ready) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the cluster is not ready after " + READY_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(100); // polling the nodes' own state: there is no event to wait for
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** A free port whose cluster bus port (+10000) is free too, and not one of {@code taken}. */
    private static int freeWithBusPort(List<Integer> taken) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = Ports.freeOutsideEphemeral();
            if (port + 10000 > 65535 || taken.contains(port)) {
                continue;
            }
            try (ServerSocket bus = new ServerSocket()) {
                bus.bind(new InetSocketAddress("127.0.0.1", port + 10000));
                return port;
            } catch (IOException busy) {
                // the bus port is taken: another
            }
        }
        throw new IOException("no free port pair for a cluster node");
    }

    private static void expectOk(Object reply) {
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("unexpected reply " + reply);
        }
    }

    /** One command on a fresh connection (RESP2): a String, Long, List, or null; an error reply throws. */
    static Object command(int port, String... args) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String a : args) {
                request.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
        }
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("Redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type " + type);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\r') {
                in.read();
                return sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed");
    }

    @Override
    public void close() {
        for (RedisServer server : servers) {
            try {
                server.stop();
            } catch (RuntimeException e) {
                // already gone
            }
        }
        servers.clear();
    }
}
