package io.chatroute.infra.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.chatroute.infra.DevKeys;
import io.chatroute.infra.InfraProcess;

/**
 * One set of real infrastructure (Kafka, PostgreSQL, Redis, a development key pair) per test JVM,
 * started on first use in a child process and stopped when the JVM exits.
 */
public final class SharedInfra {

    /** Databases every test infrastructure has, so any service's tests can use theirs. */
    public static final List<String> DATABASES = List.of("routing", "session", "history", "knowledge");

    private static InfraProcess infra;
    private static Path keyDir;

    private SharedInfra() {
    }

    public static synchronized InfraProcess get() {
        if (infra == null) {
            Path dir = baseDir();
            infra = InfraProcess.start(dir.resolve("infra"), DATABASES);
            Runtime.getRuntime().addShutdownHook(new Thread(infra::close, "infra-stop"));
        }
        return infra;
    }

    /** The development key pair of this test JVM (dev-private.pem, dev-public.pem). */
    public static synchronized Path keyDir() {
        if (keyDir == null) {
            keyDir = baseDir().resolve("keys");
            DevKeys.ensure(keyDir);
        }
        return keyDir;
    }

    private static Path baseDir;

    private static synchronized Path baseDir() {
        if (baseDir == null) {
            try {
                Path target = Path.of("target");
                Path parent = Files.isDirectory(target) ? target : Path.of(System.getProperty("java.io.tmpdir"));
                baseDir = Files.createTempDirectory(parent.toAbsolutePath(), "test-infra-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return baseDir;
    }
}
