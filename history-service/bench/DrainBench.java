// Throwaway throughput measurement of a chat-events consumer (history-service, knowledge-service); not a test.
//
// Publishes N chat.message.posted events (valid per session-service's schema, CloudEvents binary mode, from
// the visitor, over --chats chats, seq 1.. per chat) to chat-events as fast as the producer goes, then waits
// until the consumer group has committed past all of them, and prints events/s drained and the consumer
// process's CPU seconds (utime+stime from /proc/<pid>/stat) spent from the first send to the drain.
//
//   java -cp "deploy/infra/target/lib/*" history-service/bench/DrainBench.java \
//        --bootstrap localhost:19092 --group history-service --pid <service pid> [--events 5000] [--chats 200]
//
// Run the service with a short commit interval (-Dmp.messaging.incoming.chat-events.auto.commit.interval.ms=100),
// otherwise the throttled strategy's 5 s commit period is the resolution of the measurement.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

public class DrainBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>(Map.of("--bootstrap", "localhost:9092", "--events", "5000",
                "--chats", "200", "--topic", "chat-events"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        String group = o.get("--group");
        long pid = Long.parseLong(o.get("--pid"));
        int events = Integer.parseInt(o.get("--events"));
        int chats = Integer.parseInt(o.get("--chats"));
        String topic = o.get("--topic");
        Properties p = new Properties();
        p.put("bootstrap.servers", o.get("--bootstrap"));
        try (Admin admin = Admin.create(p)) {
            waitDrained(admin, group, topic, endOffsets(admin, topic), 120_000);
            String run = UUID.randomUUID().toString().substring(0, 8);
            double cpu0 = cpuSeconds(pid);
            long t0 = System.nanoTime();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                    o.get("--bootstrap"), "acks", "all", "linger.ms", "5"), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < events; i++) {
                    String chat = "bench-" + run + "-" + (i % chats);
                    int seq = i / chats + 1;
                    String json = """
                            {"chatId":"%s","seq":%d,"messageId":"m-%s-%d","clientMsgId":null,"from":"visitor","senderId":null,\
                            "text":"I was charged twice for my order, how do I get a refund?","language":"en","sentAt":"%s"}"""
                            .formatted(chat, seq, chat, seq, Instant.now());
                    ProducerRecord<String, String> r = new ProducerRecord<>(topic, chat, json);
                    header(r, "ce_specversion", "1.0");
                    header(r, "ce_id", UUID.randomUUID().toString());
                    header(r, "ce_type", "chat.message.posted");
                    header(r, "ce_source", "/session-service");
                    header(r, "ce_time", Instant.now().toString());
                    header(r, "ce_subject", chat);
                    header(r, "content-type", "application/json");
                    producer.send(r);
                }
                producer.flush();
            }
            double published = (System.nanoTime() - t0) / 1e9;
            long drainedAt = waitDrained(admin, group, topic, endOffsets(admin, topic), 600_000);
            double seconds = (drainedAt - t0) / 1e9;
            double cpu = cpuSeconds(pid) - cpu0;
            System.out.printf("group=%s events=%d published in %.1f s, drained in %.1f s: %.0f events/s;"
                            + " consumer CPU %.1f s (%.2f ms per event)%n", group, events, published, seconds,
                    events / seconds, cpu, cpu * 1000 / events);
        }
    }

    private static void header(ProducerRecord<String, String> r, String name, String value) {
        r.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        var partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic).partitions();
        Map<TopicPartition, OffsetSpec> query = partitions.stream()
                .collect(Collectors.toMap(i -> new TopicPartition(topic, i.partition()), i -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(query).all().get();
        return ends.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** Polls every 50 ms until the group's committed offsets reach the given ends; returns System.nanoTime(). */
    private static long waitDrained(Admin admin, String group, String topic, Map<TopicPartition, Long> ends, long timeoutMs)
            throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            long lag = 0;
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue() - (c == null ? 0 : c.offset());
            }
            if (lag <= 0) {
                return System.nanoTime();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("group " + group + " still lags " + lag + " records");
            }
            Thread.sleep(50);
        }
    }

    /** utime + stime of the process, in seconds (clock ticks of 1/100 s). */
    private static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }
}
