package io.chatroute.knowledge.eval;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Suggestions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Suggestion latency with 10,000 articles (README, "Benchmark"). A program, not a test. With the service running
 * against the given PostgreSQL and Kafka, it (1) seeds the evaluation articles (with the alternate questions the
 * evaluation uses, {@link SearchEvaluationTest#ALTERNATES}: 8 per article) and 10,000 distractors generated from them
 * straight into the {@code article} table (unless {@code --no-seed}) and waits until the service's index holds them
 * (readiness data), (2) publishes visitor chat.message.posted events (the evaluation questions, each in a new
 * chat) at a steady rate, and (3) reads kb-events: latency = the kb.suggested record's timestamp minus the
 * chat.message.posted record's timestamp (both set by their producers on this machine), i.e. from the message
 * being available to the consumer to the suggestion published. Prints p50/p90/p99/max over the measured messages.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat cp.txt) io.chatroute.knowledge.eval.SuggestionLatencyBench \
 *   --bootstrap localhost:19092 --jdbc jdbc:postgresql://localhost:15432/knowledge --service http://localhost:18083 \
 *   --messages 3000 --warmup 1000 --rate 50
 * </pre>
 */
public final class SuggestionLatencyBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                a.put(args[i].substring(2), i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "true");
            }
        }
        String bootstrap = a.getOrDefault("bootstrap", "localhost:19092");
        String jdbc = a.getOrDefault("jdbc", "jdbc:postgresql://localhost:15432/knowledge");
        String service = a.getOrDefault("service", "http://localhost:18083");
        int messages = Integer.parseInt(a.getOrDefault("messages", "3000"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "1000"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "50"));
        int distractors = Integer.parseInt(a.getOrDefault("distractors", "10000"));
        // optional: the service's process id, to print its CPU time per message (Linux /proc, 100 ticks a second)
        String servicePid = a.get("service-pid");

        // The evaluation articles with the alternate questions the ranking was adopted with (SearchEvaluationTest)
        List<Article> articles = new ArrayList<>(EvalSet.articles(SearchEvaluationTest.ALTERNATES));
        articles.addAll(Distractors.generate(EvalSet.articles(false), distractors));
        if (!a.containsKey("no-seed")) {
            seed(jdbc, articles);
        }
        awaitIndexed(service, articles.size());

        List<EvalSet.Question> questions = new ArrayList<>(EvalSet.questions(EvalSet.Part.TUNE));
        questions.addAll(EvalSet.questions(EvalSet.Part.TEST));
        Collections.shuffle(questions, new java.util.Random(7));
        ObjectMapper json = new ObjectMapper();

        Properties pc = new Properties();
        pc.put("bootstrap.servers", bootstrap);
        pc.put("group.id", "bench-" + UUID.randomUUID());
        pc.put("enable.auto.commit", "false");
        Map<String, Long> published = new ConcurrentHashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(pc, new StringDeserializer(), new StringDeserializer());
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
                     "linger.ms", "0"), new StringSerializer(), new StringSerializer())) {
            List<TopicPartition> parts = consumer.partitionsFor("kb-events").stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);

            Map<String, Long> sent = new HashMap<>();
            List<String> measured = new ArrayList<>();
            long cpuBefore = servicePid == null ? -1 : cpuMillis(servicePid);
            long interval = 1_000_000_000L / rate;
            long next = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                EvalSet.Question q = questions.get(i % questions.size());
                String chatId = "bench-" + UUID.randomUUID();
                String id = UUID.randomUUID().toString();
                Map<String, Object> data = new HashMap<>();
                data.put("chatId", chatId);
                data.put("seq", 1);
                data.put("messageId", UUID.randomUUID().toString());
                data.put("clientMsgId", "b-" + i);
                data.put("from", "visitor");
                data.put("senderId", null);
                data.put("text", q.text());
                data.put("language", q.language().code());
                data.put("sentAt", Instant.now().toString());
                ProducerRecord<String, String> record = new ProducerRecord<>("chat-events", chatId, json.writeValueAsString(data));
                record.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
                record.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
                record.headers().add("ce_type", "chat.message.posted".getBytes(StandardCharsets.UTF_8));
                record.headers().add("ce_source", "/session-service".getBytes(StandardCharsets.UTF_8));
                record.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
                RecordMetadata meta = producer.send(record).get();
                sent.put(Suggestions.eventId(id), meta.timestamp());
                if (i >= warmup) {
                    measured.add(Suggestions.eventId(id));
                }
                drain(consumer, published, Duration.ZERO);
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline && !published.keySet().containsAll(measured)) {
                drain(consumer, published, Duration.ofMillis(200));
            }
            long cpuAfter = servicePid == null ? -1 : cpuMillis(servicePid);
            List<Long> latencies = new ArrayList<>();
            for (String id : measured) {
                Long out = published.get(id);
                if (out != null) {
                    latencies.add(out - sent.get(id));
                }
            }
            Collections.sort(latencies);
            System.out.printf(Locale.ROOT, "articles in the index: %d; messages: %d (warm-up %d) at %d/s; measured: %d, answered: %d%n",
                    articles.size(), messages, warmup, rate, measured.size(), latencies.size());
            if (!latencies.isEmpty()) {
                System.out.printf(Locale.ROOT, "latency chat.message.posted -> kb.suggested (ms): p50 %d  p90 %d  p99 %d  max %d%n",
                        pct(latencies, 0.50), pct(latencies, 0.90), pct(latencies, 0.99), latencies.get(latencies.size() - 1));
            }
            if (servicePid != null) {
                System.out.printf(Locale.ROOT, "service CPU (pid %s, user+system) while publishing and draining: %d ms, "
                        + "%.1f ms per message (all %d, warm-up included)%n", servicePid, cpuAfter - cpuBefore,
                        (cpuAfter - cpuBefore) / (double) messages, messages);
            }
        }
    }

    /** User + system CPU time of a process so far, from /proc/PID/stat (fields 14 and 15, in 1/100 s). */
    private static long cpuMillis(String pid) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    private static long pct(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static void drain(KafkaConsumer<String, String> consumer, Map<String, Long> published, Duration wait) {
        for (ConsumerRecord<String, String> r : consumer.poll(wait)) {
            Header id = r.headers().lastHeader("ce_id");
            if (id != null) {
                published.putIfAbsent(new String(id.value(), StandardCharsets.UTF_8), r.timestamp());
            }
        }
    }

    private static void seed(String jdbc, List<Article> articles) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "postgres");
             PreparedStatement ps = c.prepareStatement("insert into article (id, title, body, language, tags, is_public, created_at, "
                     + "updated_at, questions, synonyms, learned) values (?, ?, ?, ?, ?, true, ?, ?, ?, '[]', '[]') on conflict (id) do nothing")) {
            Timestamp now = Timestamp.from(Instant.now());
            int n = 0;
            for (Article x : articles) {
                ps.setString(1, x.id());
                ps.setString(2, x.title());
                ps.setString(3, x.body());
                ps.setString(4, x.language().code());
                ps.setString(5, json.writeValueAsString(x.tags()));
                ps.setTimestamp(6, now);
                ps.setTimestamp(7, now);
                ps.setString(8, json.writeValueAsString(x.questions()));
                ps.addBatch();
                if (++n % 500 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
        System.out.println("seeded " + articles.size() + " articles");
    }

    private static void awaitIndexed(String service, int count) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Pattern p = Pattern.compile("\"articles\"\\s*:\\s*(\\d+)");
        long deadline = System.currentTimeMillis() + 180_000;
        while (true) {
            String body = http.send(HttpRequest.newBuilder(URI.create(service + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = p.matcher(body);
            if (m.find() && Integer.parseInt(m.group(1)) >= count) {
                System.out.println("index holds " + m.group(1) + " articles");
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the index did not reach " + count + " articles: " + body);
            }
            Thread.sleep(1000);
        }
    }
}
