package io.chatroute.history.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tag counts per bucket: how many chats started (requested) in the bucket carry each tag. Every bucket of the
 * range is listed, an empty one with no tags; within a bucket the tags go from the most used to the least (then
 * by name).
 */
public record TagStats(String interval, Instant from, Instant to, List<Bucket> buckets) {

    public TagStats {
        buckets = List.copyOf(buckets);
    }

    public record Bucket(Instant start, Map<String, Long> tags) {
    }

    /** One row of the count query: bucket number (from the origin), tag, chats. */
    public record Count(int bucket, String tag, long chats) {
    }

    /** Lays the counts out over every bucket of the query's range. */
    public static TagStats of(TagStatsQuery q, List<Count> counts) {
        List<Instant> starts = q.bucketStarts();
        List<List<Count>> byBucket = new ArrayList<>();
        starts.forEach(s -> byBucket.add(new ArrayList<>()));
        for (Count c : counts) {
            if (c.bucket() >= 0 && c.bucket() < starts.size()) {
                byBucket.get(c.bucket()).add(c);
            }
        }
        List<Bucket> buckets = new ArrayList<>(starts.size());
        for (int i = 0; i < starts.size(); i++) {
            Map<String, Long> tags = new LinkedHashMap<>();
            byBucket.get(i).stream()
                    .sorted(Comparator.comparingLong(Count::chats).reversed().thenComparing(Count::tag))
                    .forEach(c -> tags.merge(c.tag(), c.chats(), Long::sum));
            buckets.add(new Bucket(starts.get(i), tags));
        }
        return new TagStats(q.interval().id(), q.from(), q.to(), buckets);
    }
}
