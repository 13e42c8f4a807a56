package io.chatroute.loadtest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer-group lag on the services' topics: for every consumer group on the broker, the end offset minus the
 * committed offset, summed over the partitions of {@link #TOPICS} it has committed on. session-service's delivery
 * groups never commit: their lag comes from {@link DeliveryLag}.
 */
final class ConsumerLag implements AutoCloseable {

    static final Set<String> TOPICS = Set.of("chat-events", "agent-events", "kb-events", "stats-events");

    /**
     * One group's lag; {@code members} 0 means nobody consumes for it any more (an orphaned group). {@code committed}:
     * the group's committed offset per partition, at the time of the measurement.
     */
    record GroupLag(String group, String state, int members, long lag, Map<String, Long> perTopic,
                    Map<TopicPartition, Long> committed) {
    }

    private final Admin admin;
    private volatile Map<TopicPartition, Long> lastEnds = Map.of();

    ConsumerLag(String bootstrap) {
        this.admin = Admin.create(Map.of("bootstrap.servers", bootstrap, "request.timeout.ms", "10000",
                "default.api.timeout.ms", "15000"));
    }

    /** The lag of every consumer group that has committed on one of {@link #TOPICS}, by group id. */
    Map<String, GroupLag> measure() throws InterruptedException {
        try {
            Collection<GroupListing> listings = admin.listGroups(ListGroupsOptions.forConsumerGroups()).all()
                    .get(15, TimeUnit.SECONDS);
            List<String> ids = listings.stream().map(GroupListing::groupId).sorted().toList();
            Map<String, GroupLag> out = new LinkedHashMap<>();
            if (ids.isEmpty()) {
                return out;
            }
            Map<String, ConsumerGroupDescription> descriptions = admin.describeConsumerGroups(ids).all()
                    .get(15, TimeUnit.SECONDS);
            Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
            Set<TopicPartition> partitions = new java.util.HashSet<>();
            for (String id : ids) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                admin.listConsumerGroupOffsets(id).partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS)
                        .forEach((tp, om) -> {
                            if (om != null && TOPICS.contains(tp.topic())) {
                                offsets.put(tp, om);
                            }
                        });
                committed.put(id, offsets);
                partitions.addAll(offsets.keySet());
            }
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = request.isEmpty() ? Map.of()
                    : admin.listOffsets(request).all().get(15, TimeUnit.SECONDS);
            Map<TopicPartition, Long> endOffsets = new HashMap<>();
            ends.forEach((tp, info) -> endOffsets.put(tp, info.offset()));
            lastEnds = Map.copyOf(endOffsets);
            for (String id : ids) {
                Map<TopicPartition, OffsetAndMetadata> offsets = committed.get(id);
                if (offsets.isEmpty()) {
                    continue;
                }
                Map<String, Long> perTopic = new TreeMap<>();
                Map<TopicPartition, Long> at = new HashMap<>();
                long total = 0;
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                    long lag = Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
                    perTopic.merge(e.getKey().topic(), lag, Long::sum);
                    at.put(e.getKey(), e.getValue().offset());
                    total += lag;
                }
                ConsumerGroupDescription d = descriptions.get(id);
                out.put(id, new GroupLag(id, d == null ? "?" : String.valueOf(d.groupState()),
                        d == null ? 0 : d.members().size(), total, perTopic, Map.copyOf(at)));
            }
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read consumer lag: " + e, e);
        }
    }

    /** The end offsets the last {@link #measure} read, of the partitions some group committed on. */
    Map<TopicPartition, Long> lastEnds() {
        return lastEnds;
    }

    /** The partitions' end offsets (the next offset to be written). */
    Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) throws InterruptedException {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(request).all().get(15, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read end offsets: " + e, e);
        }
    }

    /** The groups in {@code lags} that count: those with members (an orphaned group never drains). */
    static List<GroupLag> active(Map<String, GroupLag> lags) {
        List<GroupLag> out = new ArrayList<>();
        lags.values().forEach(g -> {
            if (g.members() > 0) {
                out.add(g);
            }
        });
        return out;
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
