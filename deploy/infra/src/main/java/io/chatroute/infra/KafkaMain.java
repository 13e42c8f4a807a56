package io.chatroute.infra;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The Kafka broker in a process of its own ({@link KafkaProcess} starts it): so that it can be killed with SIGKILL and
 * started again from its log directory, as a crashed broker would be, while the rest of the infrastructure stays up.
 * Prints {@code KAFKA READY <bootstrap servers>} once it listens; SIGTERM stops it cleanly; it ends with the process
 * that started it.
 *
 * <pre>
 * java -cp ... io.chatroute.infra.KafkaMain --port 9092 --controller-port 9093 --data DIR --partitions 4 --parent-pid PID
 * </pre>
 */
public final class KafkaMain {

    private KafkaMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = -1;
        int controllerPort = -1;
        int partitions = 1;
        Path data = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--controller-port" -> controllerPort = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--parent-pid" -> exitWithParent(Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (port <= 0 || controllerPort <= 0 || data == null) {
            throw new IllegalArgumentException("--port, --controller-port and --data are required");
        }
        KafkaNode kafka = new KafkaNode(port, controllerPort, data, partitions).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "kafka-shutdown"));
        System.out.println("KAFKA READY " + kafka.bootstrapServers() + " ("
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() + " ms after the JVM started)");
        stopped.await();
    }

    private static void exitWithParent(long pid) {
        ProcessHandle.of(pid).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> System.exit(0)),
                () -> System.exit(0));
    }
}
