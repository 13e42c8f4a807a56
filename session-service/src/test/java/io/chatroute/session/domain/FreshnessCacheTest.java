package io.chatroute.session.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FreshnessCacheTest {

    @Test
    void freshThenKeptThenGone() {
        FreshnessCache<String> cache = new FreshnessCache<>(30_000, 3_600_000, 10);
        cache.put("default", "v1", 1_000);
        assertThat(cache.fresh("default", 1_000)).map(FreshnessCache.Cached::value).contains("v1");
        assertThat(cache.fresh("default", 30_999)).isPresent();
        assertThat(cache.fresh("default", 31_000)).as("no longer fresh after 30 s").isEmpty();
        assertThat(cache.kept("default", 31_000)).map(FreshnessCache.Cached::value).contains("v1");
        assertThat(cache.kept("default", 3_600_999)).isPresent();
        assertThat(cache.kept("default", 3_601_000)).as("dropped after the keep time").isEmpty();
        assertThat(cache.size()).isZero();
        assertThat(cache.fresh("other", 1_000)).isEmpty();
    }

    @Test
    void aNewAnswerReplacesTheOldOne() {
        FreshnessCache<String> cache = new FreshnessCache<>(10, 100, 10);
        cache.put("f", "old", 0);
        cache.put("f", "new", 50);
        assertThat(cache.fresh("f", 55)).map(FreshnessCache.Cached::value).contains("new");
        assertThat(cache.kept("f", 55)).map(FreshnessCache.Cached::storedAtMillis).contains(50L);
        cache.remove("f");
        assertThat(cache.kept("f", 55)).isEmpty();
    }

    @Test
    void boundedLeastRecentlyUsedFirst() {
        FreshnessCache<Integer> cache = new FreshnessCache<>(1_000, 1_000, 3);
        cache.put("a", 1, 0);
        cache.put("b", 2, 0);
        cache.put("c", 3, 0);
        cache.fresh("a", 1); // a is used: b is now the eldest
        cache.put("d", 4, 2);
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.kept("b", 3)).isEmpty();
        assertThat(cache.kept("a", 3)).isPresent();
        assertThat(cache.kept("d", 3)).isPresent();
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new FreshnessCache<>(10, 5, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FreshnessCache<>(10, 10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
