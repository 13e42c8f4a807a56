package io.chatroute.routing.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A queue's marks of the epochs that left it (queue_unindex.lua, queue_index.lua) against the real Redis: an entry of a
 * marked epoch or an older one is refused, a newer one is written; a dropped reservation leaves no mark; marks older
 * than the retention are dropped by the next take-out, so the queue's memory does not grow with every chat it served.
 */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class GoneMarksTest {
    @Inject
    RoutingStore store;
    @Inject
    RedisDataSource redis;

    final String q = "gm-" + UUID.randomUUID().toString().substring(0, 8);

    private String index(String chatId, long epoch) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("chatId", chatId);
        ev.put("queueId", q);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("e", epoch);
        entry.put("t", "");
        entry.put("ev", ev);
        return store.index(q, chatId, epoch, 0, Instant.now().toEpochMilli(), entry, false, 0, 0, 0, "", "", false, null, Instant.now())
                .code();
    }

    @Test
    void anEpochThatLeftIsRefusedAndANewerOneIsWritten() {
        String c = q + "-c1";
        assertThat(index(c, 1)).isEqualTo("INDEXED");
        assertThat(store.unindex(q, c, 1).code()).isEqualTo("REMOVED");
        assertThat(index(c, 1)).isEqualTo("STALE");
        assertThat(store.position(q, c)).isZero();
        assertThat(index(c, 2)).isEqualTo("INDEXED"); // back in line in a new epoch
        assertThat(store.position(q, c)).isEqualTo(1);
        // a take-out of an older epoch keeps the newer entry and lowers no mark
        assertThat(store.unindex(q, c, 1).code()).isEqualTo("KEPT");
        assertThat(redis.hash(String.class).hget(store.keys().gone(q), c)).isEqualTo("1");
    }

    @Test
    void aDroppedReservationLeavesNoMarkNorDoesAMissingChat() {
        String dropped = q + "-r1";
        assertThat(index(dropped, 1)).isEqualTo("INDEXED");
        assertThat(store.unindex(q, dropped, 1, false).code()).isEqualTo("REMOVED");
        assertThat(index(dropped, 1)).isEqualTo("INDEXED"); // created again by a late chat.requested: epoch 1 again
        String missing = q + "-m1";
        assertThat(store.unindex(q, missing, Long.MAX_VALUE).code()).isEqualTo("ABSENT");
        assertThat(redis.hash(String.class).hexists(store.keys().gone(q), missing)).isFalse();
        assertThat(index(missing, 1)).isEqualTo("INDEXED");
    }

    @Test
    void marksOlderThanTheRetentionAreDroppedByTheNextTakeOut() {
        String old = q + "-o1";
        String recent = q + "-o2";
        assertThat(index(old, 3)).isEqualTo("INDEXED");
        store.unindex(q, old, 3);
        store.unindex(q, recent, 5);
        // the old mark was written longer ago than the retention
        long then = System.currentTimeMillis() - RoutingStore.GONE_RETENTION_MILLIS - 60_000;
        redis.sortedSet(String.class).zadd(store.keys().goneAt(q), then, old);
        store.unindex(q, q + "-o3", 1);
        assertThat(redis.hash(String.class).hexists(store.keys().gone(q), old)).isFalse();
        assertThat(redis.sortedSet(String.class).zscore(store.keys().goneAt(q), old)).isEmpty();
        assertThat(redis.hash(String.class).hget(store.keys().gone(q), recent)).isEqualTo("5");
        assertThat(index(old, 3)).isEqualTo("INDEXED"); // forgotten: only a step later than the retention could write it
    }
}
