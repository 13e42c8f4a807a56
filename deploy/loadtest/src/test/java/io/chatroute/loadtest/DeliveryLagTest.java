package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class DeliveryLagTest {

    static final String METRICS = """
            # HELP chatroute_delivery_next_offset The next offset of the partition the delivery consumer will handle
            # TYPE chatroute_delivery_next_offset gauge
            chatroute_delivery_next_offset{partition="0",topic="chat-events"} 1234.0
            chatroute_delivery_next_offset{partition="1",topic="chat-events"} 77.0
            chatroute_delivery_next_offset{partition="0",topic="kb-events"} 5.0
            chatroute_delivery_next_offset{partition="2",topic="kb-events"} -1.0
            chatroute_delivery_offers_expired_before_delivery_total 3.0
            chatroute_delivery_next_offset_other{partition="0",topic="chat-events"} 9.0
            """;

    @Test
    void readsEachPartitionsNextOffsetFromThePrometheusText() {
        Map<TopicPartition, Long> p = DeliveryLag.parse(METRICS);
        assertThat(p).containsExactlyInAnyOrderEntriesOf(Map.of(
                new TopicPartition("chat-events", 0), 1234L,
                new TopicPartition("chat-events", 1), 77L,
                new TopicPartition("kb-events", 0), 5L));
        assertThat(DeliveryLag.parse("# nothing here\nprocess_cpu_usage 0.1\n")).isEmpty();
    }

    @Test
    void theLagIsTheEndOffsetsMinusTheNextOffsetsNeverNegative() {
        Map<TopicPartition, Long> positions = DeliveryLag.parse(METRICS);
        Map<TopicPartition, Long> ends = Map.of(
                new TopicPartition("chat-events", 0), 1240L,
                new TopicPartition("chat-events", 1), 77L,
                new TopicPartition("kb-events", 0), 4L); // a stale end read before the gauge: counts 0, not -1
        assertThat(DeliveryLag.lag(positions, ends)).isEqualTo(6);
    }
}
