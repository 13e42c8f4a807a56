import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The time between a chat's events, from the records' own timestamps (each stamped by its producer when sent), for
 * the chats started while it runs: where a chat start spends its time between the services.
 *
 * <pre>
 *   java -cp "deploy/infra/target/lib/*" deploy/tools/EventTimes.java --seconds 120 [--bootstrap localhost:9092] [--skip N]
 * </pre>
 *
 * It reads chat-events and kb-events from their end (a group of its own, nothing committed) for that long, then prints
 * p50 / p90 / p99 of each step over the chats that reached {@code chat.offer.delivered} (the first {@code --skip} of
 * them left out, for a warm-up), and how long the records took to reach this consumer (Kafka's own hop, per type).
 * Needs Java 21 or newer and the Kafka client (deploy/infra's lib after a build).
 */
public final class EventTimes {

    private static final String[][] STEPS = {
            {"chat.requested", "chat.queued"},
            {"chat.queued", "chat.offered"},
            {"chat.offered", "chat.offer.delivered"},
            {"chat.requested", "chat.offer.delivered"},
            {"chat.offer.accepted", "chat.assigned"},
            {"chat.message.posted", "kb.suggested"},
    };

    public static void main(String[] args) {
        long seconds = 60;
        int skip = 0;
        String bootstrap = "localhost:9092";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Long.parseLong(args[++i]);
                case "--skip" -> skip = Integer.parseInt(args[++i]);
                case "--bootstrap" -> bootstrap = args[++i];
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "event-times-" + UUID.randomUUID());
        p.put("auto.offset.reset", "latest");
        p.put("enable.auto.commit", "false");
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        Map<String, Map<String, Long>> byChat = new LinkedHashMap<>();
        Map<String, List<Double>> hop = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of("chat-events", "kb-events"));
            long end = System.currentTimeMillis() + seconds * 1000;
            System.err.printf("reading chat-events and kb-events for %d s%n", seconds);
            while (System.currentTimeMillis() < end) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.currentTimeMillis();
                    Header h = r.headers().lastHeader("ce_type");
                    if (h == null || r.key() == null) {
                        continue;
                    }
                    String type = new String(h.value());
                    byChat.computeIfAbsent(r.key(), k -> new LinkedHashMap<>()).putIfAbsent(type, r.timestamp());
                    hop.computeIfAbsent(type, k -> new ArrayList<>()).add((double) (now - r.timestamp()));
                }
            }
        }
        List<Map<String, Long>> chats = byChat.values().stream()
                .filter(e -> e.containsKey("chat.requested") && e.containsKey("chat.offer.delivered")).skip(skip).toList();
        System.out.printf("%d chats (ms between the records' timestamps)%n", chats.size());
        for (String[] s : STEPS) {
            List<Double> d = new ArrayList<>();
            for (Map<String, Long> e : chats) {
                if (e.containsKey(s[0]) && e.containsKey(s[1])) {
                    d.add((double) (e.get(s[1]) - e.get(s[0])));
                }
            }
            System.out.printf("%22s -> %-22s %s%n", s[0], s[1], summary(d));
        }
        System.out.println("from a record's timestamp to this consumer:");
        hop.forEach((type, d) -> System.out.printf("%45s %s%n", type, summary(d)));
    }

    private static String summary(List<Double> values) {
        if (values.isEmpty()) {
            return "n=0";
        }
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        return String.format("p50 %5.0f  p90 %5.0f  p99 %5.0f  n=%d", at(v, 0.5), at(v, 0.9), at(v, 0.99), v.size());
    }

    private static double at(List<Double> sorted, double q) {
        return sorted.get(Math.max(0, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
