package io.chatroute.routing.persistence;

import io.quarkus.arc.ClientProxy;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/**
 * Creates the Redis clients on the main thread before anything else starts. Quarkus's Redis recorder creates them
 * lazily into a plain {@code HashMap}; when a Kafka consumer thread (started by messaging at start) created one while
 * the main thread created another, the start failed with a {@code ConcurrentModificationException} (seen once in CI).
 */
@ApplicationScoped
public class RedisClients {

    void create(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, RedisDataSource blocking,
                ReactiveRedisDataSource reactive, Redis client) {
        ClientProxy.unwrap(blocking);
        ClientProxy.unwrap(reactive);
        ClientProxy.unwrap(client);
    }
}
