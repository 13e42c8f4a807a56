package io.chatroute.loadtest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The floor, measured during the whole run on the same broker and Redis as the services: Kafka produce to
 * consume ({@value #TOPIC}, 300-byte records at a modest steady rate, acks=all and no linger, like the services'
 * producers) and a Redis round trip (PING over a plain RESP socket).
 */
final class Floor implements AutoCloseable {

    static final String TOPIC = "loadtest-floor";
    static final int RECORD_BYTES = 300;

    final LatencyMetric kafka = new LatencyMetric("floor.kafka", "Kafka produce→consume (floor)");
    final LatencyMetric redis = new LatencyMetric("floor.redis", "Redis PING round trip (floor)");
    final AtomicLong kafkaErrors = new AtomicLong();
    final AtomicLong redisErrors = new AtomicLong();

    private final String bootstrap;
    private final String redisHost;
    private final int redisPort;
    private final long periodNanos;
    private volatile boolean running = true;
    private final List<Thread> threads;

    Floor(String bootstrap, String redisUrl, double ratePerSecond) {
        this.bootstrap = bootstrap;
        URI uri = URI.create(redisUrl);
        this.redisHost = uri.getHost();
        this.redisPort = uri.getPort() > 0 ? uri.getPort() : 6379;
        this.periodNanos = (long) (1e9 / ratePerSecond);
        this.threads = List.of(new Thread(this::kafkaLoop, "floor-kafka"), new Thread(this::redisLoop, "floor-redis"));
    }

    void start() throws InterruptedException {
        ensureTopic();
        threads.forEach(t -> {
            t.setDaemon(true);
            t.start();
        });
    }

    private void ensureTopic() throws InterruptedException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create " + TOPIC + ": " + e.getCause(), e.getCause());
            }
        }
    }

    private void kafkaLoop() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            // no group: the floor consumer never shows up in the recovery check's lag
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            Thread sender = new Thread(() -> produce(producer), "floor-kafka-producer");
            sender.setDaemon(true);
            sender.start();
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    if (r.value() != null && r.value().length >= 8) {
                        kafka.recordNanos(now - ByteBuffer.wrap(r.value()).getLong());
                    }
                }
            }
            sender.join(2000);
        } catch (RuntimeException e) {
            kafkaErrors.incrementAndGet();
            System.err.println("[loadtest] the Kafka floor stopped: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void produce(KafkaProducer<byte[], byte[]> producer) {
        byte[] padding = new byte[RECORD_BYTES];
        long next = System.nanoTime();
        while (running) {
            next += periodNanos;
            byte[] value = padding.clone();
            ByteBuffer.wrap(value).putLong(System.nanoTime());
            producer.send(new ProducerRecord<>(TOPIC, value), (md, e) -> {
                if (e != null) {
                    kafkaErrors.incrementAndGet();
                }
            });
            pauseUntil(next);
        }
        producer.flush();
    }

    private void redisLoop() {
        long next = System.nanoTime();
        Socket socket = null;
        InputStream in = null;
        while (running) {
            next += periodNanos;
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.setTcpNoDelay(true);
                    socket.connect(new InetSocketAddress(redisHost, redisPort), 2000);
                    socket.setSoTimeout(5000);
                    in = new BufferedInputStream(socket.getInputStream(), 256);
                }
                long t0 = System.nanoTime();
                ping(socket.getOutputStream(), in);
                redis.recordNanos(System.nanoTime() - t0);
            } catch (IOException e) {
                redisErrors.incrementAndGet();
                closeQuietly(socket);
                socket = null;
            }
            pauseUntil(next);
        }
        closeQuietly(socket);
    }

    /** One RESP PING; fails unless the answer is +PONG. */
    static void ping(OutputStream out, InputStream in) throws IOException {
        out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        if (!"+PONG".contentEquals(line)) {
            throw new IOException("unexpected answer to PING: '" + line + "'");
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void pauseUntil(long deadlineNanos) {
        long wait = deadlineNanos - System.nanoTime();
        if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
