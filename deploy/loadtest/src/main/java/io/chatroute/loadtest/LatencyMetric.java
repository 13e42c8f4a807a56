package io.chatroute.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One latency measured during a run: a thread-safe recorder (microseconds), a per-second timeline (for the
 * charts and the progress line) and the total over the measured part of the run (after the warm-up).
 */
final class LatencyMetric {

    /** One second of the timeline: samples, p50, p99, max in ms. */
    record Point(double atSeconds, long count, double p50, double p99, double max) {
    }

    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(30);

    final String name;
    final String label;
    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
    private final Histogram all = new Histogram(HIGHEST_MICROS, 3);
    private final List<Point> timeline = new ArrayList<>();
    private Histogram interval;
    private volatile double lastP99 = Double.NaN;

    LatencyMetric(String name, String label) {
        this.name = name;
        this.label = label;
    }

    /** Records one latency given as a nanosecond difference (negative ones count as 0). */
    void recordNanos(long nanos) {
        recorder.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1000)));
    }

    /**
     * Closes the current one-second interval: adds it to the timeline and, when {@code measuring} (past the
     * warm-up), to the totals. Called by one thread only.
     */
    synchronized void tick(double atSeconds, boolean measuring) {
        interval = recorder.getIntervalHistogram(interval);
        all.add(interval);
        if (measuring) {
            total.add(interval);
        }
        long n = interval.getTotalCount();
        Point p = n == 0 ? new Point(atSeconds, 0, Double.NaN, Double.NaN, Double.NaN)
                : new Point(atSeconds, n, interval.getValueAtPercentile(50) / 1000.0,
                interval.getValueAtPercentile(99) / 1000.0, interval.getMaxValue() / 1000.0);
        timeline.add(p);
        if (n > 0) {
            lastP99 = p.p99();
        }
    }

    /** The p99 of the last second that had samples, in ms. */
    double lastP99() {
        return lastP99;
    }

    synchronized LatencyStats stats() {
        return LatencyStats.of(total);
    }

    /** Everything recorded, warm-up included. */
    synchronized LatencyStats statsWithWarmup() {
        return LatencyStats.of(all);
    }

    synchronized Histogram totalCopy() {
        return total.copy();
    }

    synchronized List<Point> timeline() {
        return List.copyOf(timeline);
    }
}
