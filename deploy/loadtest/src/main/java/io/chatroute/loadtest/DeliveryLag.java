package io.chatroute.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.TopicPartition;

/**
 * The lag of session-service's delivery consumer, which the broker cannot show: its group never commits (it resumes
 * from its own positions). session-service exposes each partition's next offset to handle as the gauge
 * {@code chatroute_delivery_next_offset{topic,partition}} on {@code /q/metrics}; the lag is the partitions' end
 * offsets minus those.
 */
final class DeliveryLag {

    private static final Pattern LINE = Pattern.compile(
            "^chatroute_delivery_next_offset\\{([^}]*)}\\s+([-+0-9.eE]+)\\s*$", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI metrics;

    DeliveryLag(URI session) {
        this.metrics = session.resolve("/q/metrics");
    }

    /** Each partition's next offset to handle, from the Prometheus text; empty when the gauge is not there. */
    static Map<TopicPartition, Long> parse(String prometheus) {
        Map<TopicPartition, Long> out = new TreeMap<>((a, b) -> a.topic().equals(b.topic())
                ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
        Matcher m = LINE.matcher(prometheus);
        while (m.find()) {
            String topic = null;
            Integer partition = null;
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                switch (l.group(1)) {
                    case "topic" -> topic = l.group(2);
                    case "partition" -> partition = Integer.valueOf(l.group(2));
                    default -> {
                        // other labels (an application tag) do not matter
                    }
                }
            }
            long value = (long) Double.parseDouble(m.group(2));
            if (topic != null && partition != null && value >= 0) {
                out.put(new TopicPartition(topic, partition), value);
            }
        }
        return out;
    }

    /** The next offsets session-service reports, or null when they cannot be read (then the lag is unknown). */
    Map<TopicPartition, Long> positions() throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            Map<TopicPartition, Long> p = parse(r.body());
            return p.isEmpty() ? null : p;
        } catch (IOException e) {
            return null;
        }
    }

    /** The records not yet handled: end offset minus next offset, summed (never negative per partition). */
    static long lag(Map<TopicPartition, Long> positions, Map<TopicPartition, Long> ends) {
        long total = 0;
        for (Map.Entry<TopicPartition, Long> e : positions.entrySet()) {
            Long end = ends.get(e.getKey());
            if (end != null) {
                total += Math.max(0, end - e.getValue());
            }
        }
        return total;
    }
}
