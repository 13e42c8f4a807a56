package io.chatroute.infra.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A plain Kafka client for tests, speaking the project's CloudEvents binary mode: {@code ce_*}
 * headers, JSON data as the value, the chat (or agent) id as the key.
 */
public final class KafkaTestClient implements AutoCloseable {

    /** A record as read back: key, CloudEvents attributes and the JSON data. */
    public record Event(String topic, String key, String id, String type, String source, String subject, String data,
                        Map<String, String> headers) {
    }

    private final String bootstrap;
    private final KafkaProducer<String, String> producer;
    private final List<Thread> readers = new ArrayList<>();
    private volatile boolean closed;

    public KafkaTestClient() {
        this(SharedInfra.get().kafkaBootstrapServers());
    }

    public KafkaTestClient(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new StringSerializer());
    }

    /** Publishes one CloudEvent (binary mode) and waits for the broker's acknowledgement; returns its id. */
    public String send(String topic, String key, String type, String source, String data) {
        return send(topic, key, UUID.randomUUID().toString(), type, source, data);
    }

    /** Publishes one CloudEvent with the given id (to test idempotent consumers). */
    public String send(String topic, String key, String id, String type, String source, String data) {
        return send(topic, key, id, type, source, data, Instant.now());
    }

    /** Publishes one CloudEvent with the given id and CloudEvents {@code time} (when the producer made the change). */
    public String send(String topic, String key, String id, String type, String source, String data, Instant time) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, data);
        record.headers().add("ce_specversion", bytes("1.0"));
        record.headers().add("ce_id", bytes(id));
        record.headers().add("ce_type", bytes(type));
        record.headers().add("ce_source", bytes(source));
        record.headers().add("ce_time", bytes(time.toString()));
        record.headers().add("ce_subject", bytes(key));
        record.headers().add("content-type", bytes("application/json"));
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not publish " + type, e);
        }
        return id;
    }

    /**
     * Starts reading a topic from its beginning in the background; the returned list fills as records
     * arrive (await on it with Awaitility).
     */
    public List<Event> collect(String topic) {
        List<Event> events = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            Map<String, Object> props = new HashMap<>();
            props.put("bootstrap.servers", bootstrap);
            props.put("group.id", "test-" + UUID.randomUUID());
            props.put("auto.offset.reset", "earliest");
            props.put("enable.auto.commit", "false");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(topic));
                while (!closed) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        events.add(toEvent(r));
                    }
                }
            }
        }, "kafka-test-reader-" + topic);
        reader.setDaemon(true);
        reader.start();
        readers.add(reader);
        return events;
    }

    /**
     * The collected events of the given type that match, each event id once, in the order read. A relay publishes at
     * least once, so the same event (same {@code ce_id}) may be read twice, and consumers de-duplicate on the id: a test
     * that counts what a service announced counts events, not records.
     */
    public static List<Event> once(List<Event> events, String type, Predicate<Event> filter) {
        Set<String> ids = new HashSet<>();
        return events.stream().filter(e -> type.equals(e.type()) && filter.test(e) && ids.add(e.id())).toList();
    }

    /** The first collected event of the given type that matches, if any. */
    public static Optional<Event> find(List<Event> events, String type, Predicate<Event> filter) {
        return events.stream().filter(e -> type.equals(e.type()) && filter.test(e)).findFirst();
    }

    private static Event toEvent(ConsumerRecord<String, String> r) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return new Event(r.topic(), r.key(), headers.get("ce_id"), headers.get("ce_type"), headers.get("ce_source"),
                headers.get("ce_subject"), r.value(), headers);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        producer.close();
        for (Thread reader : readers) {
            try {
                reader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
