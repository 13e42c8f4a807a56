package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class SamplersTest {

    @Test
    void exponentialGapsHaveTheMeanAndSpreadOfAPoissonProcess() {
        Samplers s = new Samplers(new SplittableRandom(7));
        int n = 200_000;
        double rate = 50;
        double[] gaps = new double[n];
        for (int i = 0; i < n; i++) {
            gaps[i] = s.exponentialGapNanos(rate) / 1e9;
        }
        double mean = Arrays.stream(gaps).average().orElseThrow();
        double variance = Arrays.stream(gaps).map(g -> (g - mean) * (g - mean)).sum() / n;
        assertThat(mean).isCloseTo(1 / rate, within(0.01 / rate));
        // exponential: the standard deviation equals the mean
        assertThat(Math.sqrt(variance)).isCloseTo(1 / rate, within(0.02 / rate));
        // memoryless: P(gap > 1/rate) = e^-1
        long above = Arrays.stream(gaps).filter(g -> g > 1 / rate).count();
        assertThat(above / (double) n).isCloseTo(Math.exp(-1), within(0.005));
        assertThat(Arrays.stream(gaps).min().orElseThrow()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void countsPerSecondArePoissonDistributed() {
        Samplers s = new Samplers(new SplittableRandom(11));
        double rate = 4;
        int seconds = 20_000;
        int[] perSecond = new int[seconds];
        double t = 0;
        while (true) {
            t += s.exponentialGapNanos(rate) / 1e9;
            if (t >= seconds) {
                break;
            }
            perSecond[(int) t]++;
        }
        double mean = Arrays.stream(perSecond).average().orElseThrow();
        double variance = Arrays.stream(perSecond).mapToDouble(c -> (c - mean) * (c - mean)).sum() / seconds;
        assertThat(mean).isCloseTo(rate, within(0.1));
        assertThat(variance).as("a Poisson count's variance equals its mean").isCloseTo(rate, within(0.25));
        long zero = Arrays.stream(perSecond).filter(c -> c == 0).count();
        assertThat(zero / (double) seconds).isCloseTo(Math.exp(-rate), within(0.005));
    }

    @Test
    void lognormalHasTheGivenMedianAndSigma() {
        Samplers s = new Samplers(new SplittableRandom(3));
        int n = 100_001;
        double[] samples = new double[n];
        for (int i = 0; i < n; i++) {
            samples[i] = s.lognormal(60, 0.5);
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        assertThat(sorted[n / 2]).isCloseTo(60, within(1.0));
        double meanLog = Arrays.stream(samples).map(Math::log).average().orElseThrow();
        double sdLog = Math.sqrt(Arrays.stream(samples).map(x -> (Math.log(x) - meanLog) * (Math.log(x) - meanLog)).sum() / n);
        assertThat(meanLog).isCloseTo(Math.log(60), within(0.01));
        assertThat(sdLog).isCloseTo(0.5, within(0.01));
        assertThat(Arrays.stream(samples).average().orElseThrow()).isCloseTo(60 * Math.exp(0.125), within(0.5));
        assertThat(sorted[0]).isPositive();
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        Samplers a = new Samplers(new SplittableRandom(42));
        Samplers b = new Samplers(new SplittableRandom(42));
        for (int i = 0; i < 1000; i++) {
            assertThat(a.exponentialGapNanos(10)).isEqualTo(b.exponentialGapNanos(10));
            assertThat(a.lognormal(30, 0.7)).isEqualTo(b.lognormal(30, 0.7));
        }
        assertThat(new Samplers(new SplittableRandom(43)).exponentialGapNanos(10))
                .isNotEqualTo(new Samplers(new SplittableRandom(42)).exponentialGapNanos(10));
    }

    @Test
    void rejectsImpossibleParameters() {
        Samplers s = new Samplers(new SplittableRandom(1));
        assertThatThrownBy(() -> s.exponentialGapNanos(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.lognormal(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.lognormal(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
