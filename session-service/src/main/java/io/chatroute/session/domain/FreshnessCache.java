package io.chatroute.session.domain;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Answers kept for a while: fresh for {@code freshMillis} (served without asking again), then kept as a fallback
 * until {@code keepMillis} (served only when the source cannot answer). At most {@code maxEntries}, the least
 * recently used dropped first. Times are passed in, so it is pure and testable. Thread-safe.
 */
public final class FreshnessCache<V> {

    /** A cached value and when it was stored. */
    public record Cached<V>(V value, long storedAtMillis) {
    }

    private final long freshMillis;
    private final long keepMillis;
    private final Map<String, Cached<V>> entries;

    public FreshnessCache(long freshMillis, long keepMillis, int maxEntries) {
        if (freshMillis < 0 || keepMillis < freshMillis || maxEntries < 1) {
            throw new IllegalArgumentException("needs 0 <= fresh <= keep and at least one entry");
        }
        this.freshMillis = freshMillis;
        this.keepMillis = keepMillis;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached<V>> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The value when it is still fresh at {@code now}. */
    public synchronized Optional<Cached<V>> fresh(String key, long now) {
        Cached<V> e = entries.get(key);
        return e != null && now - e.storedAtMillis() < freshMillis ? Optional.of(e) : Optional.empty();
    }

    /** The value when it is still kept at {@code now} (fresh or stale); an expired one is dropped. */
    public synchronized Optional<Cached<V>> kept(String key, long now) {
        Cached<V> e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (now - e.storedAtMillis() >= keepMillis) {
            entries.remove(key);
            return Optional.empty();
        }
        return Optional.of(e);
    }

    public synchronized void put(String key, V value, long now) {
        entries.put(key, new Cached<>(value, now));
    }

    public synchronized void remove(String key) {
        entries.remove(key);
    }

    public synchronized int size() {
        return entries.size();
    }
}
