package io.chatroute.loadtest;

import java.util.random.RandomGenerator;

/**
 * The random processes of a run, all from one seeded generator so a run's shape can be repeated:
 * Poisson arrivals (exponential gaps) and lognormal handle times.
 */
final class Samplers {

    private final RandomGenerator random;

    Samplers(RandomGenerator random) {
        this.random = random;
    }

    /** The gap in nanoseconds to the next event of a Poisson process with {@code ratePerSecond} events a second. */
    long exponentialGapNanos(double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
        }
        double u = 1.0 - random.nextDouble(); // (0, 1]
        return (long) (-Math.log(u) / ratePerSecond * 1e9);
    }

    /**
     * A lognormal sample: {@code median * exp(sigma * Z)} with Z standard normal, so half the samples are below
     * {@code median} and the mean is {@code median * exp(sigma^2 / 2)}.
     */
    double lognormal(double median, double sigma) {
        if (!(median > 0) || sigma < 0) {
            throw new IllegalArgumentException("median must be positive and sigma not negative");
        }
        return median * Math.exp(sigma * random.nextGaussian());
    }

    /** A uniform sample in [from, to). */
    double uniform(double from, double to) {
        return from + (to - from) * random.nextDouble();
    }

    /** True with probability {@code p}. */
    boolean chance(double p) {
        return random.nextDouble() < p;
    }
}
