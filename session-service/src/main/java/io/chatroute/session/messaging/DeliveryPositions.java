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

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Where the delivery consumer (a group of its own per process, never committing) reads from: a partition it already
 * read goes on after the last record it handled; a partition it gets for the first time starts at the first record
 * published since this process started. So nothing published while the process was starting is skipped (no socket
 * connected before the process started, so nothing older is needed), however late the group's assignment comes, and
 * a rebalance inside the process repeats nothing.
 */
@ApplicationScoped
@Identifier(DeliveryPositions.NAME)
public class DeliveryPositions implements KafkaConsumerRebalanceListener {

    static final String NAME = "delivery-positions";
    private static final Logger LOG = Logger.getLogger(DeliveryPositions.class);

    private final long startedAt = ManagementFactory.getRuntimeMXBean().getStartTime();
    private final Map<TopicPartition, Long> next = new ConcurrentHashMap<>();

    /** The record at this offset was handled: the partition goes on after it. */
    void handled(String topic, int partition, long offset) {
        next.merge(new TopicPartition(topic, partition), offset + 1, Math::max);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> fromStart = new HashMap<>();
        for (TopicPartition p : partitions) {
            Long position = next.get(p);
            if (position != null) {
                consumer.seek(p, position);
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
            } else {
                // nothing published since the start: from the end
                if (ends == null) {
                    ends = consumer.endOffsets(fromStart.keySet());
                }
                consumer.seek(p, ends.get(p));
            }
        }
        LOG.debugf("delivery: %d partitions assigned, %d from the process start", partitions.size(), fromStart.size());
    }
}
