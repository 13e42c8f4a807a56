package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void percentilesOfAKnownDistributionInMilliseconds() {
        Histogram h = new Histogram(LatencyMetric.HIGHEST_MICROS, 3);
        for (int ms = 1; ms <= 1000; ms++) {
            h.recordValue(ms * 1000L);
        }
        LatencyStats s = LatencyStats.of(h);
        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.p50()).isCloseTo(500, within(1.0));
        assertThat(s.p90()).isCloseTo(900, within(1.0));
        assertThat(s.p99()).isCloseTo(990, within(1.0));
        assertThat(s.p999()).isCloseTo(999, within(1.0));
        assertThat(s.max()).isCloseTo(1000, within(1.0));
        assertThat(s.mean()).isCloseTo(500.5, within(1.0));
    }

    @Test
    void withFewSamplesTheHighPercentilesAreTheSlowestSampleAndSaySo() {
        assertThat(stats(47).p99()).isEqualTo(stats(47).max()); // 47 chat starts: "p99" is the slowest one
        assertThat(stats(47).onlyTheMax()).containsExactly("p99", "p99.9");
        assertThat(stats(500).p99()).isLessThan(stats(500).max());
        assertThat(stats(500).p999()).isEqualTo(stats(500).max());
        assertThat(stats(500).onlyTheMax()).containsExactly("p99.9");
        assertThat(stats(1000).p999()).isLessThan(stats(1000).max());
        assertThat(stats(1000).onlyTheMax()).isEmpty();
        assertThat(LatencyStats.of(new Histogram(3)).onlyTheMax()).isEmpty();
    }

    /** n samples of 1, 2, ... n ms. */
    private static LatencyStats stats(int n) {
        Histogram h = new Histogram(LatencyMetric.HIGHEST_MICROS, 3);
        for (int ms = 1; ms <= n; ms++) {
            h.recordValue(ms * 1000L);
        }
        return LatencyStats.of(h);
    }

    @Test
    void ratiosArePerPercentile() {
        LatencyStats mine = new LatencyStats(10, 10, 20, 40, 80, 100, 15);
        LatencyStats floor = new LatencyStats(10, 1, 2, 4, 8, 50, 2);
        assertThat(mine.ratiosTo(floor)).containsExactly(10, 10, 10, 10, 2);
    }

    @Test
    void aZeroFloorCountsAsOneMicrosecondAndEmptySidesGiveNaN() {
        LatencyStats mine = new LatencyStats(1, 1, 1, 1, 1, 1, 1);
        LatencyStats zero = new LatencyStats(1, 0, 0, 0, 0, 0, 0);
        assertThat(mine.ratiosTo(zero)[0]).isEqualTo(1000);
        LatencyStats empty = LatencyStats.of(new Histogram(3));
        assertThat(empty.count()).isZero();
        assertThat(java.util.Arrays.stream(mine.ratiosTo(empty)).allMatch(Double::isNaN)).isTrue();
        assertThat(java.util.Arrays.stream(empty.ratiosTo(mine)).allMatch(Double::isNaN)).isTrue();
    }

    @Test
    void theMetricKeepsTheWarmUpOutOfTheTotalButOnTheTimeline() {
        LatencyMetric m = new LatencyMetric("x", "x");
        m.recordNanos(500_000_000L); // 500 ms during the warm-up
        m.tick(1, false);
        m.recordNanos(2_000_000L);
        m.recordNanos(-5);           // clock noise counts as 0
        m.tick(2, true);
        assertThat(m.stats().count()).isEqualTo(2);
        assertThat(m.stats().max()).isCloseTo(2, within(0.01));
        assertThat(m.statsWithWarmup().count()).isEqualTo(3);
        List<LatencyMetric.Point> timeline = m.timeline();
        assertThat(timeline).hasSize(2);
        assertThat(timeline.get(0).p99()).isCloseTo(500, within(1.0));
        assertThat(m.lastP99()).isCloseTo(2, within(0.01));
    }

    @Test
    void histogramBucketsCoverEverySample() {
        Histogram h = new Histogram(LatencyMetric.HIGHEST_MICROS, 3);
        h.recordValue(50);
        h.recordValue(150);
        h.recordValue(12_000);
        List<Map<String, Object>> buckets = Report.buckets(h);
        assertThat(buckets.stream().mapToLong(b -> (Long) b.get("n")).sum()).isEqualTo(3);
        assertThat((Double) buckets.get(buckets.size() - 1).get("le")).isGreaterThanOrEqualTo(12.0);
    }
}
