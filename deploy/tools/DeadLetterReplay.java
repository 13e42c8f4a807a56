import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Republishes the records of a dead-letter topic to the topic they came from, so that the consumer that
 * dead-lettered them (and every other consumer of that topic, all idempotent on {@code ce_id}) reads them
 * again once the cause is fixed.
 *
 * <pre>
 *   # once: kafka-clients and its dependencies on a class path (any service module has them)
 *   ./mvnw -q -pl history-service dependency:build-classpath -Dmdep.outputFile=.local/kafka.cp \
 *       -Dmdep.includeArtifactIds=kafka-clients,slf4j-api,lz4-java,snappy-java,zstd-jni
 *   # look first (prints, publishes nothing, commits nothing)
 *   java -cp "$(cat .local/kafka.cp)" deploy/tools/DeadLetterReplay.java \
 *       --bootstrap localhost:9092 --from dead-letter-topic-history-chat-events --dry-run
 *   # replay
 *   java -cp "$(cat .local/kafka.cp)" deploy/tools/DeadLetterReplay.java \
 *       --bootstrap localhost:9092 --from dead-letter-topic-history-chat-events
 * </pre>
 *
 * What it does:
 * <ul>
 * <li>Reads every partition of {@code --from} up to its end as it was when the run started (a record
 * dead-lettered again during the run is not replayed in the same run: no loop), from the position of
 * the consumer group {@code --group} (default {@code dead-letter-replay-<from>}), or from the start the
 * first time.</li>
 * <li>Republishes each record with its original key, value and headers ({@code ce_id}, {@code ce_type},
 * ...), minus the {@code dead-letter-*} headers the dead-lettering added, plus
 * {@code chatroute-replayed-from: <topic>/<partition>/<offset>}, to {@code --to} or else to the topic named
 * by its {@code dead-letter-topic} header. The partition is chosen by the key as for any event, so a chat's
 * records stay on one partition.</li>
 * <li>Keeps per-chat order: the dead-letter topic is keyed by chat id too, so a chat's dead letters sit in
 * one partition in the order they failed; they are sent one at a time, each waiting for the broker's
 * acknowledgement ({@code acks=all}, idempotent producer), in that order. (They land after the chat's events
 * processed since; the consumers' state only moves forward, whatever the order between them.)</li>
 * <li>Commits the group's position after each republished record: an interrupted run resumes where it
 * stopped; a record may be sent twice at worst, which consumers dedupe on {@code ce_id}.</li>
 * </ul>
 * Options: {@code --bootstrap host:port} (default {@code localhost:9092}), {@code --from topic} (required),
 * {@code --to topic}, {@code --group id}, {@code --id ce_id} (replay only these events; may repeat; the
 * position is then not committed), {@code --dry-run}. Needs Java 21 or newer.
 */
public final class DeadLetterReplay {

    private static final String REPLAYED_FROM = "chatroute-replayed-from";

    public static void main(String[] args) throws Exception {
        String bootstrap = "localhost:9092";
        String from = null;
        String to = null;
        String group = null;
        Set<String> ids = new HashSet<>();
        boolean dryRun = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = value(args, ++i);
                case "--from" -> from = value(args, ++i);
                case "--to" -> to = value(args, ++i);
                case "--group" -> group = value(args, ++i);
                case "--id" -> ids.add(value(args, ++i));
                case "--dry-run" -> dryRun = true;
                default -> usage("unknown option " + args[i]);
            }
        }
        if (from == null) {
            usage("--from is required");
        }
        if (group == null) {
            group = "dead-letter-replay-" + from;
        }
        boolean commit = !dryRun && ids.isEmpty();

        Map<String, Object> consumerConfig = new HashMap<>();
        consumerConfig.put("bootstrap.servers", bootstrap);
        consumerConfig.put("group.id", commit ? group : group + "-" + UUID.randomUUID());
        consumerConfig.put("enable.auto.commit", "false");
        consumerConfig.put("auto.offset.reset", "earliest");
        consumerConfig.put("isolation.level", "read_committed");
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put("bootstrap.servers", bootstrap);
        producerConfig.put("acks", "all");
        producerConfig.put("enable.idempotence", "true");
        producerConfig.put("max.in.flight.requests.per.connection", "1");

        int replayed = 0;
        int skipped = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = dryRun ? null
                     : new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<PartitionInfo> infos = consumer.partitionsFor(from, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                System.err.println("no such topic: " + from);
                System.exit(1);
            }
            for (PartitionInfo p : infos) {
                partitions.add(new TopicPartition(from, p.partition()));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));

            for (TopicPartition tp : partitions) {
                // one partition at a time, in offset order
                consumer.pause(partitions);
                consumer.resume(List.of(tp));
                long stop = end.get(tp);
                while (consumer.position(tp, Duration.ofSeconds(30)) < stop) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1)).records(tp)) {
                        if (r.offset() >= stop) {
                            break;
                        }
                        String id = header(r, "ce_id");
                        String target = to != null ? to : header(r, "dead-letter-topic");
                        String where = r.topic() + "/" + r.partition() + "/" + r.offset();
                        if (!ids.isEmpty() && !ids.contains(id)) {
                            skipped++;
                            continue;
                        }
                        if (target == null) {
                            System.err.printf("%s: no dead-letter-topic header; pass --to%n", where);
                            System.exit(1);
                        }
                        System.out.printf("%s %s key=%s ce_id=%s ce_type=%s -> %s (reason: %s)%n",
                                dryRun ? "would replay" : "replay", where, text(r.key()), id, header(r, "ce_type"),
                                target, header(r, "dead-letter-reason"));
                        if (dryRun) {
                            replayed++;
                            continue;
                        }
                        RecordHeaders headers = new RecordHeaders();
                        for (Header h : r.headers()) {
                            if (!h.key().startsWith("dead-letter-") && !h.key().equals(REPLAYED_FROM)) {
                                headers.add(h);
                            }
                        }
                        headers.add(REPLAYED_FROM, where.getBytes(StandardCharsets.UTF_8));
                        producer.send(new ProducerRecord<>(target, null, r.key(), r.value(), headers)).get();
                        replayed++;
                        if (commit) {
                            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
                        }
                    }
                }
            }
        }
        System.out.printf("%s %d record(s)%s%n", dryRun ? "would replay" : "replayed", replayed,
                skipped > 0 ? ", skipped " + skipped + " not selected by --id" : "");
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage("missing value for " + args[i - 1]);
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: java -cp <kafka-clients class path> deploy/tools/DeadLetterReplay.java"
                + " --from <dead-letter topic> [--bootstrap host:port] [--to topic] [--group id] [--id ce_id]... [--dry-run]");
        System.exit(2);
    }
}
