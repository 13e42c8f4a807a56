package io.chatroute.e2e;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.chatroute.infra.LocalSystem;
import io.chatroute.infra.Ports;

/**
 * The system under test, started once for every end-to-end test class of this JVM ({@link LocalSystem}): real Kafka,
 * PostgreSQL and Redis and the four services from their packaged jars as separate processes, session-service as two
 * instances (ScaleOutIT converses across them and kills one). Test classes use it with
 * {@code @ExtendWith(E2eSystem.class)} and read {@link #get()}; it stops after the last test class (JUnit's root
 * store closes it). Service logs: target/e2e/logs/; test logs and summaries: target/e2e-logs/.
 */
public final class E2eSystem implements BeforeAllCallback {

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

    /** The running system; closed once, after every test class. */
    static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {

        final LocalSystem system;
        final long readyMillis;
        /** A port for a page on another origin that embeds the widget (it is one of session-service's widget origins). */
        final int otherSitePort;
        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        private Running(LocalSystem system, long readyMillis, int otherSitePort) {
            this.system = system;
            this.readyMillis = readyMillis;
            this.otherSitePort = otherSitePort;
        }

        static Running start() {
            Path repo = Path.of(System.getProperty("chatroute.repo.root", "../..")).toAbsolutePath().normalize();
            int otherSitePort = Ports.free();
            long t0 = System.nanoTime();
            LocalSystem system = LocalSystem.start(new LocalSystem.Options().root(repo).work(TARGET.resolve("e2e"))
                    .heap(System.getProperty("e2e.service.heap", "256m")).fastStart(true).sessionInstances(2)
                    .readyTimeout(Duration.ofSeconds(Long.getLong("e2e.ready.timeout.seconds", 180)))
                    // BrowserIT embeds the widget in a page of another origin
                    .widgetOrigin("http://127.0.0.1:" + otherSitePort)
                    // ScaleOutIT writes faster than a person: the visitor's rate limit is not what it checks
                    .property("session-service", "chatroute.limits.visitor-messages-per-second", "1000")
                    .property("session-service", "chatroute.limits.visitor-message-burst", "1000")
                    .say(line -> System.out.println("[e2e] " + line)));
            return new Running(system, (System.nanoTime() - t0) / 1_000_000, otherSitePort);
        }

        String token(String subject, Duration ttl, String... roles) {
            return system.token(subject, ttl, roles);
        }

        String url(String service, String path) {
            return system.url(service) + path;
        }

        /** A socket URL on the first session-service instance. */
        String wsUrl(String path) {
            return system.node("session-service").wsUrl(path);
        }

        @Override
        public void close() {
            system.close();
        }
    }
}
