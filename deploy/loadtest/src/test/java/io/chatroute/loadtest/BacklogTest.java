package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BacklogTest {

    static final long S = 1_000_000_000L;
    static final TopicPartition STATS = new TopicPartition("stats-events", 0);
    static final TopicPartition CHATS = new TopicPartition("chat-events", 3);

    static Backlog backlog() {
        return new Backlog(10 * S, Set.of("stats-events"));
    }

    static ConsumerLag.GroupLag group(long lag, Map<TopicPartition, Long> committed) {
        return new ConsumerLag.GroupLag("session-service", "Stable", 2, lag, Map.of(), committed);
    }

    @Test
    void aFeedCommittedEveryFiveSecondsCatchesUpThoughItsLagNeverReadsZero() {
        Backlog b = backlog();
        // one stats record a second; the group commits every 5 s, just before the next record: lag 5 at every read
        for (long t = 0; t <= 20; t++) {
            b.saw(t * S, Map.of(STATS, 100 + t, CHATS, 7L));
        }
        ConsumerLag.GroupLag at20 = group(5, Map.of(STATS, 115L, CHATS, 7L)); // stats end 120, committed 115
        assertThat(b.drained(at20, 20 * S)).isTrue(); // everything published by t=10 (end 110) is consumed
        // a lag of 0 at one read: drained at once, however young the check
        Backlog young = backlog();
        young.saw(0, Map.of(STATS, 100L));
        assertThat(young.drained(group(0, Map.of(STATS, 100L)), 0)).isTrue();
        assertThat(young.drained(group(1, Map.of(STATS, 99L)), 0)).isFalse(); // nothing 10 s old yet: strict
    }

    @Test
    void aFeedStillBehindWhatWasPublishedTenSecondsAgoHasNotDrained() {
        Backlog b = backlog();
        for (long t = 0; t <= 20; t++) {
            b.saw(t * S, Map.of(STATS, 1_000 + 10 * t));
        }
        // end 1,200 now, 1,100 ten seconds ago: committed 1,099 is one record short
        assertThat(b.drained(group(101, Map.of(STATS, 1_099L)), 20 * S)).isFalse();
        assertThat(b.drained(group(100, Map.of(STATS, 1_100L)), 20 * S)).isTrue();
    }

    @Test
    void anEventTopicMustReachLagZero() {
        // chat events still published after the load (closes, late starts): the system is not idle yet
        Backlog b = backlog();
        for (long t = 0; t <= 20; t++) {
            b.saw(t * S, Map.of(CHATS, 1_000 + 100 * t));
        }
        assertThat(b.drained(group(1, Map.of(CHATS, 2_999L)), 20 * S)).isFalse();
        assertThat(b.drained(group(0, Map.of(CHATS, 3_000L)), 20 * S)).isTrue();
    }

    @Test
    void aGrowingLagNeverDrains() {
        // the failure the recovery check exists for: no traffic, yet the consumer falls further behind
        Backlog b = backlog();
        for (long t = 0; t <= 60; t++) {
            long end = 26_000 + 60 * t;
            long committed = 25_000 + 30 * t;
            b.saw(t * S, Map.of(STATS, end));
            assertThat(b.drained(group(end - committed, Map.of(STATS, committed)), t * S)).as("t=%d", t).isFalse();
        }
    }

    @Test
    void everyGroupMustHaveDrained() {
        Backlog b = backlog();
        b.saw(0, Map.of(STATS, 100L, CHATS, 50L));
        b.saw(11 * S, Map.of(STATS, 111L, CHATS, 50L));
        ConsumerLag.GroupLag caughtUp = group(11, Map.of(STATS, 100L, CHATS, 50L));
        ConsumerLag.GroupLag behind = new ConsumerLag.GroupLag("routing-service", "Stable", 4, 1, Map.of(),
                Map.of(CHATS, 49L));
        assertThat(b.drained(List.of(caughtUp), 11 * S)).isTrue();
        assertThat(b.drained(List.of(caughtUp, behind), 11 * S)).isFalse();
    }
}
