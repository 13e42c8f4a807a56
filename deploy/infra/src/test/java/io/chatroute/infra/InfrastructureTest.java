package io.chatroute.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfrastructureTest {

    @TempDir
    static Path dir;

    static Infrastructure infra;

    @BeforeAll
    static void start() {
        infra = new Infrastructure(new Infrastructure.Settings(dir, false, 0, 0, 1, 0, 0, null, null, null)).durableRedis(true)
                .start();
    }

    @AfterAll
    static void stop() {
        infra.close();
    }

    @Test
    void kafkaRoundTrip() throws Exception {
        Map<String, Object> common = Map.of("bootstrap.servers", infra.kafkaBootstrapServers());
        try (var producer = new KafkaProducer<>(common, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("infra-test", "k", "hello")).get();
        }
        Map<String, Object> consumerProps = Map.of("bootstrap.servers", infra.kafkaBootstrapServers(),
                "group.id", "infra-test", "auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("infra-test"));
            String value = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (value == null && System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) {
                    value = records.iterator().next().value();
                }
            }
            assertThat(value).isEqualTo("hello");
        }
    }

    @Test
    void postgresCreatesDatabase() throws Exception {
        infra.createDatabase("sample");
        infra.createDatabase("sample"); // idempotent
        try (Connection c = DriverManager.getConnection(infra.postgresJdbcUrl("sample"), PostgresNode.USER, PostgresNode.PASSWORD);
             ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("sample");
        }
    }

    @Test
    void postgresCommitsDurably() throws Exception {
        // zonky's default is off; a commit a service acknowledged (and committed its offset for) must survive a crash
        try (Connection c = DriverManager.getConnection(infra.postgresJdbcUrl("postgres"), PostgresNode.USER, PostgresNode.PASSWORD);
             ResultSet rs = c.createStatement().executeQuery("show synchronous_commit")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("on");
        }
    }

    @Test
    void postgresAndRedisKilledAndStartedAgainKeepWhatTheyAcknowledged() throws Exception {
        infra.createDatabase("crash");
        try (Connection c = DriverManager.getConnection(infra.postgresJdbcUrl("crash"), PostgresNode.USER, PostgresNode.PASSWORD)) {
            c.createStatement().execute("create table if not exists kept (v text)");
            c.createStatement().execute("insert into kept values ('committed before the crash')");
        }
        long postmaster = infra.kill("postgres");
        assertThat(ProcessHandle.of(postmaster).filter(ProcessHandle::isAlive)).as("the killed postmaster").isEmpty();
        assertThatThrownBy(() -> DriverManager.getConnection(infra.postgresJdbcUrl("crash"), PostgresNode.USER,
                PostgresNode.PASSWORD).close()).as("PostgreSQL while it is down").isInstanceOf(java.sql.SQLException.class);
        assertThat(infra.startAgain("postgres")).as("the new postmaster").isPositive().isNotEqualTo(postmaster);
        try (Connection c = DriverManager.getConnection(infra.postgresJdbcUrl("crash"), PostgresNode.USER, PostgresNode.PASSWORD);
             ResultSet rs = c.createStatement().executeQuery("select v from kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("committed before the crash");
        }

        assertThat(redis("SET kept acknowledged")).containsExactly("+OK");
        long redisPid = infra.kill("redis");
        assertThat(ProcessHandle.of(redisPid).filter(ProcessHandle::isAlive)).as("the killed redis-server").isEmpty();
        assertThatThrownBy(() -> redis("PING")).as("Redis while it is down").isInstanceOf(java.io.IOException.class);
        infra.startAgain("redis");
        assertThat(redis("GET kept")).as("what Redis acknowledged before it was killed").containsExactly("$12", "acknowledged");
    }

    /** One inline command to the infrastructure's Redis; its answer's lines (two for a bulk string). */
    private static List<String> redis(String command) throws java.io.IOException {
        String url = infra.redisUrl();
        int port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            var reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String first = reader.readLine();
            return first != null && first.startsWith("$") && !first.equals("$-1") ? List.of(first, reader.readLine())
                    : java.util.Collections.singletonList(first);
        }
    }

    @Test
    void redisAnswersPing() throws Exception {
        String url = infra.redisUrl();
        int port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            var reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(reader.readLine()).isEqualTo("+PONG");
        }
    }

    @Test
    void devTokensAreSignedWithTheDevKey() {
        DevKeys.ensure(dir.resolve("keys"));
        String token = DevTokens.mint(DevKeys.readPrivateKey(dir.resolve("keys").resolve(DevKeys.PRIVATE_KEY_FILE)),
                "agent-1", Duration.ofMinutes(5), "agent");
        assertThat(token.split("\\.")).hasSize(3);
    }
}
