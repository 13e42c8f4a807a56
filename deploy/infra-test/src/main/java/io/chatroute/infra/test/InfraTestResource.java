package io.chatroute.infra.test;

import java.util.HashMap;
import java.util.Map;

import io.chatroute.infra.DevKeys;
import io.chatroute.infra.DevTokens;
import io.chatroute.infra.Infrastructure;
import io.chatroute.infra.InfraProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} at real Kafka, PostgreSQL and Redis (started once per test JVM) and
 * at a development JWT key. Use with {@code @QuarkusTestResource(value = InfraTestResource.class,
 * initArgs = @ResourceArg(name = "database", value = "history"))}; without a database argument
 * no datasource is configured.
 */
public class InfraTestResource implements QuarkusTestResourceLifecycleManager {

    private String database;

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.get("database");
    }

    @Override
    public Map<String, String> start() {
        InfraProcess infra = SharedInfra.get();
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", infra.kafkaBootstrapServers());
        config.put("quarkus.redis.hosts", infra.redisUrl());
        if (database != null) {
            config.put("quarkus.datasource.reactive.url", infra.postgresReactiveUrl(database));
            config.put("quarkus.datasource.jdbc.url", infra.postgresJdbcUrl(database));
            config.put("quarkus.datasource.username", Infrastructure.postgresUser());
            config.put("quarkus.datasource.password", Infrastructure.postgresPassword());
        }
        config.put("mp.jwt.verify.publickey.location", SharedInfra.keyDir().resolve(DevKeys.PUBLIC_KEY_FILE).toUri().toString());
        config.put("mp.jwt.verify.issuer", DevTokens.ISSUER);
        return config;
    }

    @Override
    public void stop() {
        // the infrastructure lives as long as the test JVM, shared by every test class
    }
}
