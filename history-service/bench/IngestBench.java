// history-service ingest benchmark (a program, not a test): a burst of chat.message.posted events on real Kafka,
// measured until every message is stored and until the consumer group's lag is zero.
//
// Run it through history-service/bench/ingest-bench.sh, which starts the infrastructure and the service and passes
// these options (all of them can be given by hand against a running set-up):
//
//   java -cp "deploy/infra/target/lib/*" history-service/bench/IngestBench.java \
//        --bootstrap localhost:19092 --jdbc jdbc:postgresql://localhost:15432/history --pid <service pid> \
//        [--group history-service] [--events 100000] [--chats 1000] [--warmup 20000] [--topic chat-events]
//        [--infra-pid <pid of InfraMain (Kafka runs inside it)>] [--postgres-data <PostgreSQL's data directory>]
//
// What it does:
//  1. waits until the group has committed past everything already on the topic;
//  2. warm-up: publishes --warmup events (other chats) and waits until they are stored and committed (JIT, pools,
//     prepared statements; not measured);
//  3. the burst: publishes --events events (valid per session-service's chat.message.posted schema, CloudEvents
//     binary mode, keyed by chat, --chats new chats with seq 1.. each, texts in English, Russian, Chinese and Hebrew)
//     as fast as the producer goes, and samples every 100 ms how many of them are stored (message rows with an id
//     above the highest before the burst) and the group's committed offsets against the topic's end offsets.
//
// Prints: publish time, time from the first send until all messages are stored (and messages/s stored over that
// time), the steady rate between 10 % and 90 % stored, the time until the consumer lag is zero, and the service
// process's CPU seconds over the burst (/proc/<pid>/stat utime+stime), and with --infra-pid / --postgres-data those of
// InfraMain (Kafka) and of PostgreSQL (the postmaster started on that data directory and its backends; pg_ctl leaves
// it a child of init). Exits 1 if not every message was stored once.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
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

public class IngestBench {

    private static final List<String[]> TEXTS = List.of(
            new String[] {"en", "I was charged twice for my order, how do I get a refund?"},
            new String[] {"ru", "С меня дважды списали деньги за заказ, как вернуть платёж?"},
            new String[] {"zh", "我的订单被扣了两次款，请问怎么退款？"},
            new String[] {"he", "חייבו אותי פעמיים על ההזמנה, איך אני מקבל החזר?"});

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>(Map.of("--bootstrap", "localhost:9092", "--events", "100000",
                "--chats", "1000", "--warmup", "20000", "--topic", "chat-events", "--group", "history-service",
                "--user", "postgres", "--password", "postgres"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        String topic = o.get("--topic");
        String group = o.get("--group");
        long pid = Long.parseLong(o.get("--pid"));
        long infraPid = Long.parseLong(o.getOrDefault("--infra-pid", "-1"));
        String postgresData = o.get("--postgres-data");
        int events = Integer.parseInt(o.get("--events"));
        int chats = Integer.parseInt(o.get("--chats"));
        int warmup = Integer.parseInt(o.get("--warmup"));
        Properties p = new Properties();
        p.put("bootstrap.servers", o.get("--bootstrap"));
        try (Admin admin = Admin.create(p);
             Connection db = DriverManager.getConnection(o.get("--jdbc"), o.get("--user"), o.get("--password"));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", o.get("--bootstrap"),
                     "acks", "all", "linger.ms", "10", "batch.size", "262144"), new StringSerializer(), new StringSerializer())) {
            waitLagZero(admin, group, topic, endOffsets(admin, topic), 300_000);
            if (warmup > 0) {
                long before = maxMessageId(db);
                long t0 = System.nanoTime();
                publish(producer, topic, "warm-" + run(), warmup, Math.max(1, chats / 5));
                waitStored(db, before, warmup, 600_000);
                waitLagZero(admin, group, topic, endOffsets(admin, topic), 600_000);
                System.out.printf("warm-up: %d events stored and committed in %.1f s%n", warmup, (System.nanoTime() - t0) / 1e9);
            }

            long before = maxMessageId(db);
            double cpu0 = cpuSeconds(pid);
            double infra0 = infraPid < 0 ? 0 : cpuSeconds(infraPid);
            double postgres0 = postgresData == null ? 0 : postgresCpuSeconds(postgresData);
            long t0 = System.nanoTime();
            Thread sender = new Thread(() -> publish(producer, topic, "burst-" + run(), events, chats), "bench-publish");
            sender.start();
            long t10 = -1, t90 = -1, tStored = -1, tLagZero = -1;
            long published = -1;
            Map<TopicPartition, Long> ends = null;
            long deadline = System.currentTimeMillis() + 900_000;
            long stored = 0;
            while (tStored < 0 || tLagZero < 0) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("not drained after 900 s: " + stored + " of " + events + " stored");
                }
                Thread.sleep(100);
                long now = System.nanoTime();
                if (published < 0 && !sender.isAlive()) {
                    published = now;
                    ends = endOffsets(admin, topic);
                }
                if (tStored < 0) {
                    stored = storedSince(db, before);
                    if (t10 < 0 && stored >= events / 10) {
                        t10 = now;
                    }
                    if (t90 < 0 && stored >= events * 9L / 10) {
                        t90 = now;
                    }
                    if (stored >= events) {
                        tStored = now;
                    }
                }
                if (ends != null && tLagZero < 0 && lag(admin, group, ends) <= 0) {
                    tLagZero = now;
                }
            }
            double cpu = cpuSeconds(pid) - cpu0;
            double infraCpu = infraPid < 0 ? 0 : cpuSeconds(infraPid) - infra0;
            double postgresCpu = postgresData == null ? 0 : postgresCpuSeconds(postgresData) - postgres0;
            long finalCount = storedSince(db, before);
            double storedS = (tStored - t0) / 1e9;
            System.out.printf("burst: %d message events over %d chats; published in %.1f s%n", events, chats, (published - t0) / 1e9);
            System.out.printf("stored: all %d after %.1f s = %.0f messages/s (first send to last row); steady 10-90 %%: %.0f messages/s%n",
                    finalCount, storedS, events / storedS, events * 0.8 / ((t90 - t10) / 1e9));
            System.out.printf("consumer lag zero after %.1f s (committed offsets = end offsets)%n", (tLagZero - t0) / 1e9);
            System.out.printf("history-service CPU: %.1f s over the burst (%.3f ms per message)%n", cpu, cpu * 1000 / events);
            if (postgresData != null) {
                System.out.printf("PostgreSQL CPU: %.1f s (%.3f ms per message)%n", postgresCpu, postgresCpu * 1000 / events);
            }
            if (infraPid >= 0) {
                System.out.printf("Kafka (InfraMain) CPU: %.1f s%n", infraCpu);
            }
            System.out.printf("load average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
            if (finalCount != events) {
                System.out.println("ERROR: expected " + events + " new message rows, found " + finalCount);
                System.exit(1);
            }
        }
    }

    private static String run() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static void publish(KafkaProducer<String, String> producer, String topic, String prefix, int events, int chats) {
        for (int i = 0; i < events; i++) {
            String chat = prefix + "-" + (i % chats);
            int seq = i / chats + 1;
            String[] text = TEXTS.get(i % TEXTS.size());
            String json = """
                    {"chatId":"%s","seq":%d,"messageId":"m-%s-%d","clientMsgId":null,"from":"visitor","senderId":null,\
                    "text":"%s","language":"%s","sentAt":"%s"}""".formatted(chat, seq, chat, seq, text[1], text[0], Instant.now());
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

    private static void header(ProducerRecord<String, String> r, String name, String value) {
        r.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static long maxMessageId(Connection db) throws Exception {
        try (ResultSet rs = db.createStatement().executeQuery("SELECT coalesce(max(id), 0) FROM message")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long storedSince(Connection db, long afterId) throws Exception {
        try (PreparedStatement st = db.prepareStatement("SELECT count(*) FROM message WHERE id > ?")) {
            st.setLong(1, afterId);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void waitStored(Connection db, long afterId, long count, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (storedSince(db, afterId) < count) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("warm-up not stored after " + timeoutMs + " ms");
            }
            Thread.sleep(200);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
        Map<TopicPartition, OffsetSpec> query = partitions.stream()
                .collect(Collectors.toMap(i -> new TopicPartition(topic, i.partition()), i -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(query).all().get();
        return ends.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static long lag(Admin admin, String group, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        long lag = 0;
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    private static void waitLagZero(Admin admin, String group, String topic, Map<TopicPartition, Long> ends, long timeoutMs)
            throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (lag(admin, group, ends) > 0) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("group " + group + " still lags");
            }
            Thread.sleep(100);
        }
    }

    /**
     * CPU seconds of the PostgreSQL server on {@code dataDir}: the postmaster (found by its {@code -D} argument) and
     * its live children (backends, walwriter, checkpointer…). A backend that ended during the burst is not counted.
     */
    private static double postgresCpuSeconds(String dataDir) throws Exception {
        double sum = 0;
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            String cmd;
            try {
                cmd = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ');
            } catch (Exception gone) {
                continue;
            }
            if (cmd.contains("-D " + dataDir + " ")) {
                sum += cpuSeconds(p.pid());
                for (ProcessHandle child : p.descendants().toList()) {
                    try {
                        sum += cpuSeconds(child.pid());
                    } catch (Exception gone) {
                        // ended meanwhile
                    }
                }
            }
        }
        return sum;
    }

    /** utime + stime of the process, in seconds (clock ticks of 1/100 s). */
    private static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }
}
