package io.chatroute.loadtest;

import org.HdrHistogram.Histogram;

/** Percentiles of one latency, in milliseconds, and their ratio to the floor's same percentiles. */
record LatencyStats(long count, double p50, double p90, double p99, double p999, double max, double mean) {

    static final String[] NAMES = {"p50", "p90", "p99", "p99.9", "max"};

    /** Reads a histogram recorded in microseconds. */
    static LatencyStats of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return new LatencyStats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new LatencyStats(micros.getTotalCount(),
                ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)),
                ms(micros.getMaxValue()), micros.getMean() / 1000.0);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    /**
     * The percentiles that are only the slowest sample, because there are too few samples to rank above it: with fewer
     * than 100 samples p99 (and p99.9) is the max, with fewer than 1,000 p99.9 is. Empty when every one is its own.
     */
    java.util.List<String> onlyTheMax() {
        if (count == 0) {
            return java.util.List.of();
        }
        if (count < 100) {
            return java.util.List.of("p99", "p99.9");
        }
        return count < 1000 ? java.util.List.of("p99.9") : java.util.List.of();
    }

    /** p50, p90, p99, p99.9, max in that order. */
    double[] values() {
        return new double[] {p50, p90, p99, p999, max};
    }

    /**
     * Each percentile divided by the floor's same percentile (NaN where either side has no samples). A floor
     * below 1 µs counts as 1 µs, so that a ratio stays finite.
     */
    double[] ratiosTo(LatencyStats floor) {
        double[] mine = values();
        double[] base = floor.values();
        double[] ratios = new double[mine.length];
        for (int i = 0; i < mine.length; i++) {
            ratios[i] = count == 0 || floor.count == 0 ? Double.NaN : mine[i] / Math.max(base[i], 0.001);
        }
        return ratios;
    }
}
