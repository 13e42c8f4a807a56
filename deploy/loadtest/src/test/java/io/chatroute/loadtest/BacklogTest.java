package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BacklogTest {

    static final long S = 1_000_000_000L;
    static final TopicPartition STATS = new TopicPartition("stats-events", 0);
    static final TopicPartition CHATS = new TopicPartition("chat-events", 3);

    static ConsumerLag.GroupLag group(long lag, Map<TopicPartition, Long> committed) {
        return new ConsumerLag.GroupLag("session-service", "Stable", 2, lag, Map.of(), committed);
    }

    @Test
    void aLiveFeedCommittedEveryFiveSecondsCatchesUpThoughItsLagNeverReadsZero() {
        Backlog b = new Backlog(10 * S);
        // one stats record a second; the group commits every 5 s, just before the next record: lag 5 at every read
        for (long t = 0; t <= 20; t++) {
            b.saw(t * S, Map.of(STATS, 100 + t));
        }
        ConsumerLag.GroupLag at20 = group(5, Map.of(STATS, 115L)); // end 120, committed 115
        assertThat(b.drained(at20, 20 * S)).isTrue(); // everything published by t=10 (end 110) is consumed
    }

    @Test
    void aConsumerStillBehindWhatWasPublishedTenSecondsAgoHasNotDrained() {
        Backlog b = new Backlog(10 * S);
        for (long t = 0; t <= 20; t++) {
            b.saw(t * S, Map.of(CHATS, 1_000 + 100 * t));
        }
        // end 3,000 now, 2,000 ten seconds ago: committed 1,999 is one record short
        assertThat(b.drained(group(1_001, Map.of(CHATS, 1_999L)), 20 * S)).isFalse();
        assertThat(b.drained(group(1_000, Map.of(CHATS, 2_000L)), 20 * S)).isTrue();
    }

    @Test
    void beforeTenSecondsHavePassedOnlyALagOfZeroCounts() {
        Backlog b = new Backlog(10 * S);
        b.saw(0, Map.of(STATS, 100L));
        b.saw(5 * S, Map.of(STATS, 105L));
        assertThat(b.drained(group(1, Map.of(STATS, 104L)), 5 * S)).isFalse();
        assertThat(b.drained(group(0, Map.of(STATS, 105L)), 5 * S)).isTrue();
    }

    @Test
    void aGrowingLagNeverDrains() {
        // the failure the recovery check exists for: no traffic, yet the consumer falls further behind
        Backlog b = new Backlog(10 * S);
        long committed = 0;
        for (long t = 0; t <= 60; t++) {
            long end = 26_000 + 60 * t;
            committed = 25_000 + 30 * t;
            b.saw(t * S, Map.of(CHATS, end));
            if (t >= 10) {
                assertThat(b.drained(group(end - committed, Map.of(CHATS, committed)), t * S)).as("t=%d", t).isFalse();
            }
        }
        assertThat(committed).isPositive();
    }

    @Test
    void everyGroupMustHaveDrained() {
        Backlog b = new Backlog(10 * S);
        b.saw(0, Map.of(STATS, 100L, CHATS, 50L));
        b.saw(11 * S, Map.of(STATS, 111L, CHATS, 50L));
        ConsumerLag.GroupLag caughtUp = group(11, Map.of(STATS, 100L));
        ConsumerLag.GroupLag behind = new ConsumerLag.GroupLag("routing-service", "Stable", 4, 1, Map.of(),
                Map.of(CHATS, 49L));
        assertThat(b.drained(List.of(caughtUp), 11 * S)).isTrue();
        assertThat(b.drained(List.of(caughtUp, behind), 11 * S)).isFalse();
    }
}
