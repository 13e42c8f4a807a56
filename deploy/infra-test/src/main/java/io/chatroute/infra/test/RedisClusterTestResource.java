package io.chatroute.infra.test;

import java.nio.file.Path;
import java.util.Map;

import io.chatroute.infra.RedisCluster;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} at a real three-node Redis Cluster (started once per test JVM, beside the shared
 * Kafka and PostgreSQL of {@link InfraTestResource}): {@code quarkus.redis.client-type=cluster} and the nodes' URLs.
 * Its {@link #order()} is above the default, so its Redis settings replace {@link InfraTestResource}'s. Used through a
 * test profile, so the tests of the cluster run in their own application.
 */
public class RedisClusterTestResource implements QuarkusTestResourceLifecycleManager {

    private static RedisCluster cluster;

    /** The cluster, started at the first call. */
    public static synchronized RedisCluster cluster() {
        if (cluster == null) {
            cluster = RedisCluster.start(3, Path.of("target", "redis-cluster-" + ProcessHandle.current().pid()));
            RedisCluster started = cluster;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "redis-cluster-stop"));
        }
        return cluster;
    }

    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.redis.client-type", "cluster", "quarkus.redis.hosts", cluster().hosts());
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void stop() {
        // the cluster lives as long as the test JVM
    }
}
