package io.chatroute.session.messaging;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Where the delivery consumer (a group of its own per process, never committing) reads from: a partition it already
 * read goes on after the last record it handled; a partition it gets for the first time starts at the first record
 * published since this process started. So nothing published while the process was starting is skipped (no socket
 * connected before the process started, so nothing older is needed), however late the group's assignment comes, and
 * a rebalance inside the process repeats nothing.
 *
 * <p>The group never commits, so its lag is not visible on the broker; each partition's next offset to handle is a
 * gauge instead, {@code chatroute_delivery_next_offset{topic,partition}} (the load tool's recovery check compares it
 * with the partitions' end offsets).
 */
@ApplicationScoped
@Identifier(DeliveryPositions.NAME)
public class DeliveryPositions implements KafkaConsumerRebalanceListener {

    static final String NAME = "delivery-positions";
    private static final Logger LOG = Logger.getLogger(DeliveryPositions.class);

    private final long startedAt = ManagementFactory.getRuntimeMXBean().getStartTime();
    private final Map<TopicPartition, Long> next = new ConcurrentHashMap<>();
    /** For the gauge only: the next offset to handle, from the seek at assignment on. */
    private final Map<TopicPartition, Long> observed = new ConcurrentHashMap<>();
    private final MeterRegistry meters;

    public DeliveryPositions(MeterRegistry meters) {
        this.meters = meters;
    }

    /** The record at this offset was handled: the partition goes on after it. */
    void handled(String topic, int partition, long offset) {
        TopicPartition p = new TopicPartition(topic, partition);
        next.merge(p, offset + 1, Math::max);
        observe(p, offset + 1);
    }

    private void observe(TopicPartition p, long nextOffset) {
        boolean first = !observed.containsKey(p);
        observed.merge(p, nextOffset, Math::max);
        if (first) { // Micrometer returns the registered gauge if two threads get here
            Gauge.builder("chatroute.delivery.next.offset", observed, m -> m.getOrDefault(p, -1L))
                    .description("The next offset of the partition the delivery consumer will handle (it never commits)")
                    .tags("topic", p.topic(), "partition", Integer.toString(p.partition()))
                    .register(meters);
        }
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> fromStart = new HashMap<>();
        for (TopicPartition p : partitions) {
            Long position = next.get(p);
            if (position != null) {
                consumer.seek(p, position);
                observe(p, position);
            } else {
                fromStart.put(p, startedAt);
            }
        }
        if (fromStart.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(fromStart);
        Map<TopicPartition, Long> ends = null;
        for (TopicPartition p : fromStart.keySet()) {
            OffsetAndTimestamp at = found.get(p);
            if (at != null) {
                consumer.seek(p, at.offset());
                observe(p, at.offset());
            } else {
                // nothing published since the start: from the end
                if (ends == null) {
                    ends = consumer.endOffsets(fromStart.keySet());
                }
                consumer.seek(p, ends.get(p));
                observe(p, ends.get(p));
            }
        }
        LOG.debugf("delivery: %d partitions assigned, %d from the process start", partitions.size(), fromStart.size());
    }
}
