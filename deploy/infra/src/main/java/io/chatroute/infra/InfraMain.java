package io.chatroute.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * Stand-alone launcher used by deploy/run-local.sh: starts Kafka, PostgreSQL and Redis with data
 * under a folder kept between runs, creates the services' databases, writes the addresses to an
 * env file, prints {@code INFRA READY} and runs until stopped (SIGINT/SIGTERM stop everything cleanly).
 *
 * <pre>
 * java -cp 'deploy/infra/target/chatroute-infra.jar:deploy/infra/target/lib/*' io.chatroute.infra.InfraMain \
 *   --data .local/data [--wipe] [--kafka-port 9092] [--postgres-port 5432] [--redis-port 6379] \
 *   [--kafka-process] [--databases history,knowledge] [--topics chat-events,agent-events,kb-events,stats-events,history-events] [--env-file .local/infra.env]
 * </pre>
 * {@code --kafka-process} runs the broker in a child process of its own ({@link KafkaProcess}) rather than in this JVM,
 * so that {@code --control}'s {@code kill kafka} can kill it as a crash would.
 * An address in KAFKA_BOOTSTRAP_SERVERS, CHATROUTE_POSTGRES_HOSTPORT or CHATROUTE_REDIS_URL means
 * "use that existing server" and nothing is started for it.
 */
public final class InfraMain {

    public static void main(String[] args) throws Exception {
        Path data = Path.of(".local/data");
        Path envFile = null;
        boolean wipe = false;
        boolean persistent = true;
        boolean durableRedis = false;
        boolean control = false;
        boolean kafkaProcess = false;
        int kafkaPort = 9092;
        int postgresPort = 5432;
        int redisPort = 6379;
        int partitions = 4;
        List<String> databases = new ArrayList<>(List.of("history", "knowledge"));
        List<String> topics = Infrastructure.TOPICS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--wipe" -> wipe = true;
                case "--ephemeral" -> persistent = false;
                case "--durable-redis" -> durableRedis = true;
                case "--control" -> control = true;
                case "--kafka-process" -> kafkaProcess = true;
                case "--kafka-port" -> kafkaPort = Integer.parseInt(args[++i]);
                case "--postgres-port" -> postgresPort = Integer.parseInt(args[++i]);
                case "--redis-port" -> redisPort = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--databases" -> databases = List.of(args[++i].split(","));
                case "--topics" -> topics = List.of(args[++i].split(","));
                case "--env-file" -> envFile = Path.of(args[++i]);
                case "--parent-pid" -> exitWithParent(Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        data = data.toAbsolutePath();
        if (wipe) {
            deleteTree(data);
        }
        Files.createDirectories(data);
        System.setProperty("java.io.tmpdir", Files.createDirectories(data.resolve("tmp")).toString());

        Infrastructure.Settings settings = new Infrastructure.Settings(data, persistent, kafkaPort, kafkaPort == 0 ? 0 : kafkaPort + 1, partitions,
                postgresPort, redisPort, env("KAFKA_BOOTSTRAP_SERVERS"), env("CHATROUTE_POSTGRES_HOSTPORT"),
                env("CHATROUTE_REDIS_URL"));
        Infrastructure infra = new Infrastructure(settings).durableRedis(durableRedis).kafkaInOwnProcess(kafkaProcess).start();
        for (String db : databases) {
            infra.createDatabase(db.trim());
        }
        infra.createTopics(topics, partitions);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[infra] stopping");
            infra.close();
            stopped.countDown();
        }, "infra-shutdown"));

        if (envFile != null) {
            String env = "KAFKA_BOOTSTRAP_SERVERS=" + infra.kafkaBootstrapServers() + "\n"
                    + "QUARKUS_REDIS_HOSTS=" + infra.redisUrl() + "\n"
                    + "CHATROUTE_POSTGRES_HOST=" + infra.postgresHost() + "\n"
                    + "CHATROUTE_POSTGRES_PORT=" + infra.postgresPort() + "\n";
            Files.createDirectories(envFile.toAbsolutePath().getParent());
            Files.writeString(envFile, env);
        }
        System.out.println("INFRA READY kafka=" + infra.kafkaBootstrapServers() + " postgres=" + infra.postgresHost()
                + ":" + infra.postgresPort() + " redis=" + infra.redisUrl());
        if (control) {
            Thread commands = new Thread(() -> control(infra), "infra-control");
            commands.setDaemon(true);
            commands.start();
        }
        stopped.await();
    }

    /**
     * Fault injection by the process that started this one (InfraProcess#control; with {@code --control} only, so that
     * a launcher in a terminal never reads it): one command a line on standard input,
     * {@code kill postgres|redis|kafka} (SIGKILL, as a crash; kafka with {@code --kafka-process} only) and
     * {@code start postgres|redis|kafka} (again, from its data), each
     * answered on standard output by {@code INFRA DONE <command> <pid>} or {@code INFRA FAILED <command>: <why>}. The end
     * of the input ends only this loop.
     */
    private static void control(Infrastructure infra) {
        try (java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.trim();
                if (command.isEmpty()) {
                    continue;
                }
                try {
                    String[] words = command.split("\\s+");
                    long pid = switch (words.length == 2 ? words[0] : "") {
                        case "kill" -> infra.kill(words[1]);
                        case "start" -> infra.startAgain(words[1]);
                        default -> throw new IllegalArgumentException("unknown command (kill|start postgres|redis|kafka)");
                    };
                    System.out.println("INFRA DONE " + command + " " + pid);
                } catch (RuntimeException | Error e) {
                    System.out.println("INFRA FAILED " + command + ": " + e);
                }
            }
        } catch (java.io.IOException e) {
            System.out.println("[infra] control input closed: " + e.getMessage());
        }
    }

    /** Stops this launcher (and so everything it started) when the process that spawned it ends. */
    private static void exitWithParent(long pid) {
        ProcessHandle.of(pid).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> System.exit(0)),
                () -> System.exit(0));
    }

    private static String env(String name) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
