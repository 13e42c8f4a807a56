package io.chatroute.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.chatroute.infra.DevKeys;
import io.chatroute.infra.DevTokens;
import io.chatroute.infra.InfraProcess;
import io.chatroute.infra.Infrastructure;
import io.chatroute.infra.Ports;

/**
 * The system under test, started once for every end-to-end test class of this JVM: real Kafka, PostgreSQL and Redis
 * (InfraProcess) and the four services from their packaged jars as separate processes. Test classes use it with
 * {@code @ExtendWith(E2eSystem.class)} and read {@link #get()}; it is stopped after the last test class (JUnit's root
 * store closes it). Logs: target/e2e-logs/.
 */
public final class E2eSystem implements BeforeAllCallback {

    static final List<String> SERVICES = List.of("routing-service", "session-service", "history-service", "knowledge-service");
    static final Path TARGET = Path.of("target").toAbsolutePath();
    static final Path LOGS = TARGET.resolve("e2e-logs");

    private static volatile Running current;

    /** The started system; only inside a test class extended with this. */
    static Running get() {
        if (current == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(E2eSystem.class)");
        }
        return current;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        current = context.getRoot().getStore(ExtensionContext.Namespace.create(E2eSystem.class))
                .getOrComputeIfAbsent("system", k -> Running.start(), Running.class);
    }

    /** Infrastructure and services; closed once, after every test class. */
    static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {

        final InfraProcess infra;
        final Map<String, ServiceProcess> services;
        final PrivateKey privateKey;
        final long infraReadyMillis;
        /** A port for a page on another origin that embeds the widget (it is one of session-service's widget origins). */
        final int otherSitePort;
        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        private Running(InfraProcess infra, Map<String, ServiceProcess> services, PrivateKey privateKey, long infraReadyMillis,
                        int otherSitePort) {
            this.otherSitePort = otherSitePort;
            this.infra = infra;
            this.services = services;
            this.privateKey = privateKey;
            this.infraReadyMillis = infraReadyMillis;
        }

        String token(String subject, Duration ttl, String... roles) {
            return DevTokens.mint(privateKey, subject, ttl, roles);
        }

        String url(String service, String path) {
            return services.get(service).baseUrl() + path;
        }

        String wsUrl(String path) {
            return services.get("session-service").baseUrl().replace("http://", "ws://") + path;
        }

        static Running start() {
            Path repo = Path.of(System.getProperty("chatroute.repo.root", "../..")).toAbsolutePath().normalize();
            Map<String, Path> jars = new LinkedHashMap<>();
            for (String service : SERVICES) {
                Path jar = repo.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
                assertThat(jar).as("%s must be packaged first (./mvnw -B package -DskipTests -pl %s)", service, service)
                        .isRegularFile();
                jars.put(service, jar);
            }
            InfraProcess infra = null;
            Map<String, ServiceProcess> services = new LinkedHashMap<>();
            try {
                Files.createDirectories(LOGS);
                Path work = Files.createDirectories(TARGET.resolve("e2e"));

                long t0 = System.nanoTime();
                infra = InfraProcess.start(Files.createTempDirectory(work, "infra-"), List.of("history", "knowledge"));
                long infraReadyMillis = (System.nanoTime() - t0) / 1_000_000;

                Path keys = work.resolve("keys");
                DevKeys.ensure(keys);
                PrivateKey privateKey = DevKeys.readPrivateKey(keys.resolve(DevKeys.PRIVATE_KEY_FILE));
                String publicKey = "file:" + keys.resolve(DevKeys.PUBLIC_KEY_FILE);

                Map<String, Integer> ports = new LinkedHashMap<>();
                SERVICES.forEach(s -> ports.put(s, Ports.free()));
                int otherSitePort = Ports.free();
                String heap = System.getProperty("e2e.service.heap", "256m");
                for (String service : SERVICES) {
                    Map<String, String> props = new LinkedHashMap<>();
                    Map<String, String> env = new LinkedHashMap<>();
                    props.put("quarkus.http.port", ports.get(service).toString());
                    props.put("quarkus.http.host", "127.0.0.1");
                    props.put("kafka.bootstrap.servers", infra.kafkaBootstrapServers());
                    props.put("mp.jwt.verify.publickey.location", publicKey);
                    props.put("mp.jwt.verify.issuer", DevTokens.ISSUER);
                    env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
                    env.put("CHATROUTE_JWT_PUBLIC_KEY", publicKey);
                    env.put("CHATROUTE_JWT_ISSUER", DevTokens.ISSUER);
                    switch (service) {
                        case "routing-service" -> props.put("quarkus.redis.hosts", infra.redisUrl());
                        case "session-service" -> {
                            String routingUrl = "http://127.0.0.1:" + ports.get("routing-service");
                            String sessionOrigin = "http://127.0.0.1:" + ports.get("session-service");
                            props.put("quarkus.redis.hosts", infra.redisUrl());
                            props.put("quarkus.rest-client.routing.url", routingUrl);
                            env.put("CHATROUTE_ROUTING_URL", routingUrl);
                            // a secret: environment only, never on the command line
                            env.put("CHATROUTE_ROUTING_TOKEN", DevTokens.mint(privateKey, "session-service", Duration.ofHours(2), "platform"));
                            env.put("CHATROUTE_HISTORY_URL", "http://127.0.0.1:" + ports.get("history-service"));
                            env.put("CHATROUTE_HISTORY_TOKEN", DevTokens.mint(privateKey, "session-service", Duration.ofHours(2), "platform"));
                            env.put("CHATROUTE_KNOWLEDGE_URL", "http://127.0.0.1:" + ports.get("knowledge-service"));
                            // the pages are served by session-service itself on a random port (its own origin, both
                            // spellings); BrowserIT also embeds the widget in a page of another origin
                            env.put("CHATROUTE_WIDGET_ORIGINS", sessionOrigin + ",http://localhost:" + ports.get("session-service")
                                    + ",http://127.0.0.1:" + otherSitePort);
                        }
                        default -> {
                            String db = service.substring(0, service.indexOf('-'));
                            props.put("quarkus.datasource.reactive.url", infra.postgresReactiveUrl(db));
                            props.put("quarkus.datasource.jdbc.url", infra.postgresJdbcUrl(db));
                            props.put("quarkus.datasource.username", Infrastructure.postgresUser());
                            env.put("QUARKUS_DATASOURCE_PASSWORD", Infrastructure.postgresPassword());
                        }
                    }
                    services.put(service, ServiceProcess.start(service, jars.get(service), ports.get(service), heap, props, env,
                            LOGS, work.resolve(service)));
                }
                Running running = new Running(infra, services, privateKey, infraReadyMillis, otherSitePort);
                long readyTimeout = Long.getLong("e2e.ready.timeout.seconds", 180);
                for (ServiceProcess service : services.values()) {
                    await(service.name + " /q/health/ready").atMost(Duration.ofSeconds(readyTimeout))
                            .pollInterval(Duration.ofMillis(250)).until(() -> service.ready(running.client));
                }
                return running;
            } catch (IOException e) {
                stop(services, infra);
                throw new UncheckedIOException(e);
            } catch (RuntimeException | Error e) {
                stop(services, infra);
                throw e;
            }
        }

        @Override
        public void close() {
            stop(services, infra);
        }

        private static void stop(Map<String, ServiceProcess> services, InfraProcess infra) {
            List<ServiceProcess> reversed = new ArrayList<>(services.values());
            Collections.reverse(reversed);
            reversed.forEach(s -> s.stop(Duration.ofSeconds(20)));
            if (infra != null) {
                infra.close();
            }
        }
    }
}
