package io.chatroute.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker in a process of its own, killed with SIGKILL and started again, keeps what it acknowledged. */
class KafkaProcessTest {

    private static final String TOPIC = "crash-test";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;

    @Test
    void killedAndStartedAgainKeepsAcknowledgedRecordsAndCommittedOffsets() throws Exception {
        try (KafkaProcess kafka = new KafkaProcess(0, 0, dir.resolve("kafka"), 1)) {
            long first = kafka.start();
            assertThat(kafka.pid()).isEqualTo(first);
            String bootstrap = kafka.bootstrapServers();
            try (var producer = producer(bootstrap)) {
                producer.send(new ProducerRecord<>(TOPIC, "chat-1", "consumed before the crash")).get();
                producer.send(new ProducerRecord<>(TOPIC, "chat-1", "acknowledged before the crash")).get();
            }
            try (var consumer = consumer(bootstrap)) {
                consumer.assign(List.of(PARTITION));
                consumer.seekToBeginning(List.of(PARTITION));
                assertThat(poll(consumer, 2)).extracting(ConsumerRecord::value)
                        .containsExactly("consumed before the crash", "acknowledged before the crash");
                consumer.commitSync(Map.of(PARTITION, new OffsetAndMetadata(1)));
            }

            assertThat(kafka.kill()).isEqualTo(first);
            assertThat(ProcessHandle.of(first).filter(ProcessHandle::isAlive)).as("the killed broker").isEmpty();
            assertThat(kafka.pid()).isEqualTo(-1);
            assertThatThrownBy(kafka::kill).isInstanceOf(IllegalStateException.class);
            assertThat(Ports.isOpen("127.0.0.1", Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1))))
                    .as("the broker's port while it is down").isFalse();

            long second = kafka.start();
            assertThat(second).as("a new process").isPositive().isNotEqualTo(first);
            assertThat(kafka.bootstrapServers()).as("the same address").isEqualTo(bootstrap);
            try (var consumer = consumer(bootstrap)) {
                assertThat(consumer.committed(java.util.Set.of(PARTITION)).get(PARTITION).offset())
                        .as("the group's committed position").isEqualTo(1);
                consumer.subscribe(List.of(TOPIC));
                assertThat(poll(consumer, 1)).extracting(ConsumerRecord::value)
                        .as("from the committed position on").containsExactly("acknowledged before the crash");
            }
            try (var producer = producer(bootstrap)) {
                assertThat(producer.send(new ProducerRecord<>(TOPIC, "chat-1", "after")).get().offset())
                        .as("appended after what it kept").isEqualTo(2);
            }
        }
    }

    @Test
    void theBrokersJvmTakesSizesCollectorAndCompilerButNoAgentsOrFiles() {
        assertThat(KafkaProcess.jvmOptions(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.io.tmpdir=/tmp/x", "-agentlib:jdwp=transport=dt_socket,server=y,address=5005",
                "-javaagent:/jacoco.jar", "-XX:StartFlightRecording=filename=/tmp/a.jfr", "-Xlog:gc:file=/tmp/gc.log",
                "-Dcom.sun.management.jmxremote.port=9010", "-XX:+UseCompressedOops")))
                .containsExactly("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=/tmp/x");
    }

    @Test
    void portsForARestartedServerLieBelowTheEphemeralRange() throws Exception {
        int low = Integer.parseInt(java.nio.file.Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .get(0).trim().split("\\s+")[0]);
        assertThat(Ports.freeOutsideEphemeral()).isBetween(10_000, low - 1);
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "crash-test",
                "auto.offset.reset", "earliest", "enable.auto.commit", "false"),
                new StringDeserializer(), new StringDeserializer());
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }
}
