package io.chatroute.infra;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Kafka, PostgreSQL and Redis for ChatRoute. Each one is started here unless an address for an
 * existing server is given (then nothing is started for it and the address is passed through).
 */
public final class Infrastructure implements AutoCloseable {

    /** What to start and where. Ports of 0 mean "any free port". */
    public record Settings(
            Path dataDir,
            boolean persistent,
            int kafkaPort,
            int kafkaControllerPort,
            int kafkaPartitions,
            int postgresPort,
            int redisPort,
            String externalKafka,
            String externalPostgres,
            String externalRedis) {

        /** Throw-away infrastructure on free ports, for tests. */
        public static Settings forTests(Path dataDir) {
            return new Settings(dataDir, false, 0, 0, 1, 0, 0,
                    env("KAFKA_BOOTSTRAP_SERVERS"), env("CHATROUTE_POSTGRES_HOSTPORT"), env("CHATROUTE_REDIS_URL"));
        }

        private static String env(String name) {
            String value = System.getenv(name);
            return value == null || value.isBlank() ? null : value.trim();
        }
    }

    private final Settings settings;
    private final List<AutoCloseable> started = new ArrayList<>();
    private String kafkaBootstrap;
    private String postgresHost = "127.0.0.1";
    private int postgresPort;
    private String redisUrl;
    private PostgresNode postgres;
    private RedisNode redis;
    private volatile KafkaProcess kafkaProcess;
    private boolean durableRedis;
    private boolean kafkaInOwnProcess;
    /** Set when close begins: no kill or start after it (a server started then would outlive the process). */
    private volatile boolean closing;

    public Infrastructure(Settings settings) {
        this.settings = settings;
    }

    /**
     * Redis with an append-only file also when the infrastructure is not persistent (its file then lives in the
     * throw-away data directory): a Redis killed and started again ({@link #kill}) comes back with its data.
     */
    public Infrastructure durableRedis(boolean on) {
        this.durableRedis = on;
        return this;
    }

    /**
     * The broker in a process of its own ({@link KafkaProcess}) instead of in this JVM, so that {@link #kill} can kill it
     * as a crash would and {@link #startAgain} start it from its logs.
     */
    public Infrastructure kafkaInOwnProcess(boolean on) {
        this.kafkaInOwnProcess = on;
        return this;
    }

    /**
     * Kills {@code what} ({@code postgres}, {@code redis}, or {@code kafka} in its own process, started here) with SIGKILL, as a crash would; returns the
     * pid it had. {@link #startAgain} starts it on the same port from the same data.
     */
    public synchronized long kill(String what) {
        if (closing) {
            throw new IllegalStateException("the infrastructure is stopping");
        }
        return switch (what) {
            case "postgres" -> require(postgres, what).kill();
            case "redis" -> require(redis, what).kill();
            case "kafka" -> require(kafkaProcess, "kafka in a process of its own").kill();
            default -> throw new IllegalArgumentException("cannot kill " + what + " (postgres, redis or kafka)");
        };
    }

    /** Starts {@code what} again after {@link #kill}: on its port, from its data; returns its new pid (-1 unknown). */
    public synchronized long startAgain(String what) {
        if (closing) {
            throw new IllegalStateException("the infrastructure is stopping");
        }
        return switch (what) {
            case "postgres" -> require(postgres, what).start().pid();
            case "redis" -> {
                require(redis, what).start();
                yield -1;
            }
            case "kafka" -> require(kafkaProcess, "kafka in a process of its own").start();
            default -> throw new IllegalArgumentException("cannot start " + what + " (postgres, redis or kafka)");
        };
    }

    private static <T> T require(T node, String what) {
        if (node == null) {
            throw new IllegalStateException(what + " was not started here");
        }
        return node;
    }

    public Infrastructure start() {
        long t0 = System.nanoTime();
        try {
            startRedis();
            startPostgres();
            startKafka();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log("infrastructure ready in %d ms", (System.nanoTime() - t0) / 1_000_000);
        return this;
    }

    private void startKafka() {
        if (settings.externalKafka() != null) {
            kafkaBootstrap = settings.externalKafka();
            log("Kafka: using existing %s", kafkaBootstrap);
            return;
        }
        if (kafkaInOwnProcess) {
            kafkaProcess = new KafkaProcess(settings.kafkaPort(), settings.kafkaControllerPort(),
                    settings.dataDir().resolve("kafka"), settings.kafkaPartitions());
            started.add(kafkaProcess);
            long pid = kafkaProcess.start();
            kafkaBootstrap = kafkaProcess.bootstrapServers();
            log("Kafka: started on %s (process %d)", kafkaBootstrap, pid);
            return;
        }
        KafkaNode kafka = new KafkaNode(settings.kafkaPort(), settings.kafkaControllerPort(),
                settings.dataDir().resolve("kafka"), settings.kafkaPartitions()).start();
        started.add(kafka);
        kafkaBootstrap = kafka.bootstrapServers();
        log("Kafka: started on %s", kafkaBootstrap);
    }

    private void startPostgres() {
        if (settings.externalPostgres() != null) {
            String[] hostPort = settings.externalPostgres().split(":");
            postgresHost = hostPort[0];
            postgresPort = hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : 5432;
            log("PostgreSQL: using existing %s:%d", postgresHost, postgresPort);
            return;
        }
        postgres = new PostgresNode(settings.postgresPort(), settings.dataDir().resolve("postgres")).start();
        started.add(postgres);
        postgresPort = postgres.port();
        log("PostgreSQL: started on 127.0.0.1:%d", postgresPort);
    }

    private void startRedis() {
        if (settings.externalRedis() != null) {
            redisUrl = settings.externalRedis();
            log("Redis: using existing %s", redisUrl);
            return;
        }
        redis = new RedisNode(settings.redisPort(),
                settings.persistent() || durableRedis ? settings.dataDir().resolve("redis") : null).start();
        started.add(redis);
        redisUrl = redis.url();
        log("Redis: started on %s", redisUrl);
    }

    /** Creates a database (if missing) on the PostgreSQL in use. Only for servers this class started or was given. */
    public void createDatabase(String name) {
        PostgresNode.createDatabase(postgresHost, postgresPort, postgresUser(), postgresPassword(), name);
    }

    /** ChatRoute's topics: made before any service subscribes, so no consumer starts on a topic created later. */
    public static final List<String> TOPICS = List.of("chat-events", "agent-events", "kb-events", "stats-events", "history-events");

    /** Creates the topics (if missing) on the Kafka in use, with the given partition count. */
    public void createTopics(List<String> topics, int partitions) {
        Properties config = new Properties();
        config.put("bootstrap.servers", kafkaBootstrap);
        try (Admin admin = Admin.create(config)) {
            for (String topic : topics) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                            .all().get();
                    log("Kafka: topic %s created (%d partitions)", topic, partitions);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic, e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** CHATROUTE_POSTGRES_USER for an existing server, else the embedded server's user. */
    public static String postgresUser() {
        String user = System.getenv("CHATROUTE_POSTGRES_USER");
        return user == null || user.isBlank() ? PostgresNode.USER : user;
    }

    /** CHATROUTE_POSTGRES_PASSWORD for an existing server, else the embedded server's password. */
    public static String postgresPassword() {
        String password = System.getenv("CHATROUTE_POSTGRES_PASSWORD");
        return password == null ? PostgresNode.PASSWORD : password;
    }

    public String kafkaBootstrapServers() {
        return kafkaBootstrap;
    }

    public String redisUrl() {
        return redisUrl;
    }

    public String postgresHost() {
        return postgresHost;
    }

    public int postgresPort() {
        return postgresPort;
    }

    public String postgresReactiveUrl(String database) {
        return "postgresql://" + postgresHost + ":" + postgresPort + "/" + database;
    }

    public String postgresJdbcUrl(String database) {
        return "jdbc:postgresql://" + postgresHost + ":" + postgresPort + "/" + database;
    }

    /** The Quarkus settings a service needs to reach this infrastructure. */
    public Map<String, String> quarkusConfig(String database) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", kafkaBootstrap);
        config.put("quarkus.redis.hosts", redisUrl);
        if (database != null) {
            config.put("quarkus.datasource.reactive.url", postgresReactiveUrl(database));
            config.put("quarkus.datasource.jdbc.url", postgresJdbcUrl(database));
            config.put("quarkus.datasource.username", postgresUser());
            config.put("quarkus.datasource.password", postgresPassword());
        }
        return config;
    }

    /** Stops what it started; waits for a kill or a start under way (so that a server started by it is stopped too). */
    @Override
    public void close() {
        closing = true;
        KafkaProcess broker = kafkaProcess;
        if (broker != null) {
            // a broker's start under way (up to a minute) ends now, so that the wait below is short
            broker.close();
        }
        synchronized (this) {
            stopAll();
        }
    }

    private void stopAll() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                log("stopping %s failed: %s", started.get(i).getClass().getSimpleName(), e.getMessage());
            }
        }
        started.clear();
    }

    private static void log(String format, Object... args) {
        System.out.println("[infra] " + String.format(format, args));
    }
}
