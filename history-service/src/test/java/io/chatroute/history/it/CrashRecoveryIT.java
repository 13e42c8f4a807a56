package io.chatroute.history.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatroute.infra.DevKeys;
import io.chatroute.infra.InfraProcess;
import io.chatroute.infra.Infrastructure;
import io.chatroute.infra.Ports;

/**
 * Durability, end to end: history-service started from its packaged jar as a separate process, killed with SIGKILL
 * in the middle of ingesting a stream of chat events, then started again. Checks that
 * <ul>
 * <li>at the moment of the kill, every record below the group's committed offsets is applied in PostgreSQL (an
 * offset is committed only after its row is durable);</li>
 * <li>after the restart, the stored transcripts equal the event log: every message once, with its text, in each
 * chat; every event id applied once; zero lost, zero duplicated.</li>
 * </ul>
 * Real Kafka and PostgreSQL (deploy/infra, synchronous_commit=on) in a child process. Run by failsafe in
 * {@code ./mvnw verify}; logs in target/crash-it/.
 */
class CrashRecoveryIT {

    private static final int CHATS = 400;
    private static final int MESSAGES_PER_CHAT = 60;
    private static final Path WORK = Path.of("target/crash-it").toAbsolutePath();
    private static final String TOPIC = "chat-events";

    private static InfraProcess infra;
    private static Path jar;
    private static String publicKey;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startInfrastructure() throws IOException {
        jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        assertThat(jar).as("the packaged service (mvn package runs before failsafe)").isRegularFile();
        Files.createDirectories(WORK);
        infra = InfraProcess.start(Files.createTempDirectory(WORK, "infra-"), List.of("history"), 4, true);
        Path keys = WORK.resolve("keys");
        DevKeys.ensure(keys);
        publicKey = "file:" + keys.resolve(DevKeys.PUBLIC_KEY_FILE);
    }

    @AfterAll
    static void stopInfrastructure() {
        if (infra != null) {
            infra.close();
        }
    }

    /** One run of the packaged service. */
    private record Service(Process process, int port) {
        boolean ready() {
            if (!process.isAlive()) {
                throw new AssertionError("history-service exited with " + process.exitValue() + "; see " + WORK);
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static Service start(String name) throws IOException {
        int port = Ports.free();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC",
                // commit offsets often, so that the kill falls between commits with many applied records behind them
                "-Dmp.messaging.incoming.chat-events.auto.commit.interval.ms=200",
                // the retention purge stays out of the way (the events are from 2025)
                "-Dchatroute.retention.enabled=false",
                "-jar", jar.toString())
                .directory(WORK.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve(name + ".log").toFile()));
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", infra.postgresReactiveUrl("history"));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", infra.postgresJdbcUrl("history"));
        env.put("QUARKUS_DATASOURCE_USERNAME", Infrastructure.postgresUser());
        env.put("QUARKUS_DATASOURCE_PASSWORD", Infrastructure.postgresPassword());
        env.put("CHATROUTE_JWT_PUBLIC_KEY", publicKey);
        Service service = new Service(builder.start(), port);
        await("history-service ready").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                .until(service::ready);
        return service;
    }

    /** What was published: each event's id, and each message's text by chat and seq. */
    private static final class EventLog {
        final Set<String> eventIds = ConcurrentHashMap.newKeySet();
        final Map<String, String> texts = new ConcurrentHashMap<>(); // chat + "#" + seq -> text
    }

    @Test
    void aKilledServiceLosesNothingAndDuplicatesNothing() throws Exception {
        Service first = start("history-service-1");
        String run = UUID.randomUUID().toString().substring(0, 8);
        EventLog log = new EventLog();
        AtomicReference<Throwable> publishFailure = new AtomicReference<>();
        Thread publisher = new Thread(() -> {
            try {
                publish(run, log);
            } catch (Throwable t) {
                publishFailure.set(t);
            }
        }, "crash-it-publisher");
        publisher.start();

        try (Connection db = DriverManager.getConnection(infra.postgresJdbcUrl("history"), Infrastructure.postgresUser(),
                Infrastructure.postgresPassword());
             Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrapServers()))) {
            int total = CHATS * MESSAGES_PER_CHAT;
            // mid-ingest: a good part stored, much still to come
            await("a fifth of the messages stored").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(50))
                    .until(() -> messages(db, run) >= total / 5);
            first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no last commit
            assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            long storedAtKill = messages(db, run);
            System.out.printf("crash-it: killed history-service with %d of %d messages stored%n", storedAtKill, total);
            assertThat(storedAtKill).isLessThan(total);

            // every record the group committed is durable in PostgreSQL
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("history-service")
                    .partitionsToOffsetAndMetadata().get();
            List<String> committedIds = idsBelow(committed);
            Set<String> applied = appliedIds(db, new HashSet<>(committedIds));
            assertThat(committedIds).as("records below the committed offsets").isNotEmpty();
            assertThat(committedIds.stream().filter(id -> !applied.contains(id)).toList())
                    .as("committed but not applied").isEmpty();
            long appliedNotCommitted = processed(db, log.eventIds) - committedIds.stream().filter(log.eventIds::contains).count();
            System.out.printf("crash-it: %d records committed; %d more applied but not committed (delivered again)%n",
                    committedIds.size(), appliedNotCommitted);

            publisher.join(TimeUnit.MINUTES.toMillis(5));
            assertThat(publishFailure.get()).isNull();
            Service second = start("history-service-2");
            try {
                Map<TopicPartition, Long> ends = endOffsets(admin);
                await("caught up after the restart").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
                        .until(() -> messages(db, run) == total && lag(admin, ends) == 0);

                // the transcripts equal the event log
                Map<String, String> stored = new HashMap<>();
                long rows = 0;
                try (PreparedStatement st = db.prepareStatement(
                        "SELECT chat_id, seq, text FROM message WHERE chat_id LIKE ?")) {
                    st.setString(1, "crash-" + run + "-%");
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            rows++;
                            stored.put(rs.getString(1) + "#" + rs.getInt(2), rs.getString(3));
                        }
                    }
                }
                assertThat(rows).as("message rows").isEqualTo(total);
                assertThat(stored).as("every message once, with its text").isEqualTo(log.texts);
                assertThat(count(db, "SELECT count(DISTINCT message_id) FROM message WHERE chat_id LIKE ?", run)).isEqualTo(total);
                assertThat(processed(db, log.eventIds)).as("every event id applied once").isEqualTo(log.eventIds.size());
                assertThat(count(db, "SELECT count(*) FROM chat WHERE id LIKE ? AND status = 'CLOSED'", run)).isEqualTo(CHATS);
            } finally {
                second.process().destroy();
                second.process().waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            first.process().destroyForcibly();
        }
    }

    /** chat.requested, the messages and chat.closed of every chat, chats interleaved, as fast as the producer goes. */
    private static void publish(String run, EventLog log) {
        Instant t0 = Instant.parse("2025-09-01T10:00:00Z");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                infra.kafkaBootstrapServers(), "acks", "all", "linger.ms", "5"), new StringSerializer(), new StringSerializer())) {
            for (int c = 0; c < CHATS; c++) {
                String chat = "crash-" + run + "-" + c;
                send(producer, log, chat, "chat.requested", """
                        {"chatId":"%s","formId":"default","visitor":{"name":"V","customerId":"c-crash"},"form":{},
                         "message":"hello","queueId":"general","requestedAt":"%s"}""".formatted(chat, t0));
            }
            for (int seq = 1; seq <= MESSAGES_PER_CHAT; seq++) {
                for (int c = 0; c < CHATS; c++) {
                    String chat = "crash-" + run + "-" + c;
                    String text = "message " + seq + " of " + chat;
                    log.texts.put(chat + "#" + seq, text);
                    send(producer, log, chat, "chat.message.posted", """
                            {"chatId":"%s","seq":%d,"messageId":"m-%s-%d","clientMsgId":null,"from":"visitor",
                             "senderId":null,"text":"%s","language":"en","sentAt":"%s"}"""
                            .formatted(chat, seq, chat, seq, text, t0.plusSeconds(seq)));
                }
            }
            for (int c = 0; c < CHATS; c++) {
                String chat = "crash-" + run + "-" + c;
                send(producer, log, chat, "chat.closed", """
                        {"chatId":"%s","by":"visitor","agentId":null,"closedAt":"%s"}""".formatted(chat, t0.plusSeconds(3600)));
            }
            producer.flush();
        }
    }

    private static void send(KafkaProducer<String, String> producer, EventLog log, String chat, String type, String json) {
        String id = UUID.randomUUID().toString();
        ProducerRecord<String, String> r = new ProducerRecord<>(TOPIC, chat, json);
        for (String[] h : new String[][] {{"ce_specversion", "1.0"}, {"ce_id", id}, {"ce_type", type},
                {"ce_source", "/session-service"}, {"ce_time", Instant.now().toString()}, {"ce_subject", chat},
                {"content-type", "application/json"}}) {
            r.headers().add(h[0], h[1].getBytes(StandardCharsets.UTF_8));
        }
        log.eventIds.add(id);
        producer.send(r);
    }

    /** The ce_ids of the records below the committed offsets. */
    private static List<String> idsBelow(Map<TopicPartition, OffsetAndMetadata> committed) {
        List<String> ids = new ArrayList<>();
        Properties p = new Properties();
        p.put("bootstrap.servers", infra.kafkaBootstrapServers());
        p.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
                if (e.getValue() == null || e.getValue().offset() == 0) {
                    continue;
                }
                consumer.assign(List.of(e.getKey()));
                consumer.seekToBeginning(List.of(e.getKey()));
                long end = e.getValue().offset();
                long position = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (position < end) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("could not read " + e.getKey() + " up to " + end);
                    }
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.offset() < end) {
                            Header h = r.headers().lastHeader("ce_id");
                            ids.add(new String(h.value(), StandardCharsets.UTF_8));
                        }
                        position = r.offset() + 1;
                    }
                }
            }
        }
        return ids;
    }

    private static Set<String> appliedIds(Connection db, Set<String> ids) throws Exception {
        Set<String> applied = new HashSet<>();
        try (PreparedStatement st = db.prepareStatement("SELECT event_id FROM processed_event WHERE event_id = ANY(?)")) {
            st.setArray(1, db.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    applied.add(rs.getString(1));
                }
            }
        }
        return applied;
    }

    private static long processed(Connection db, Set<String> ids) throws Exception {
        return appliedIds(db, ids).size();
    }

    private static long messages(Connection db, String run) throws Exception {
        return count(db, "SELECT count(*) FROM message WHERE chat_id LIKE ?", run);
    }

    private static long count(Connection db, String sql, String run) throws Exception {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            st.setString(1, "crash-" + run + "-%");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions()
                .forEach(p -> query.put(new TopicPartition(TOPIC, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(query).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    private static long lag(Admin admin, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("history-service")
                .partitionsToOffsetAndMetadata().get();
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue() - (c == null ? 0 : c.offset());
        }
        return lag;
    }
}
