package io.chatroute.routing.api;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

@Path("/api/v1/ping")
public class PingResource {
    private final ReactiveRedisDataSource redis;

    PingResource(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    @GET
    @RolesAllowed("admin")
    public Uni<String> ping() {
        return redis.value(String.class).set("routing:ping", "pong").replaceWith(redis.value(String.class).get("routing:ping"));
    }
}
