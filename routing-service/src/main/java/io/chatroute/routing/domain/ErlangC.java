package io.chatroute.routing.domain;

/**
 * Erlang B and Erlang C (M/M/N queue) for {@code servers} servers offered {@code traffic} erlangs
 * (arrival rate x mean handle time). Numerically stable for any N: Erlang B by the recursion
 * {@code B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1))} (every value in (0, 1], no factorials or powers), then
 * {@code C = N·B / (N - A·(1 - B))}. O(N) per call; {@link Staffing} runs the recursion once while it searches.
 */
public final class ErlangC {

    private ErlangC() {
    }

    /** One step of the Erlang B recursion: B(n) from B(n-1). */
    public static double nextB(double previousB, long n, double traffic) {
        double x = traffic * previousB;
        return x / (n + x);
    }

    /** Erlang B: the probability that all {@code servers} are busy in a loss system (no queue). */
    public static double erlangB(long servers, double traffic) {
        check(servers, traffic);
        double b = 1.0;
        for (long n = 1; n <= servers; n++) {
            b = nextB(b, n, traffic);
        }
        return b;
    }

    /** Erlang C from Erlang B of the same N and A: the probability that a chat waits; 1 when N &lt;= A (unstable). */
    public static double fromB(long servers, double traffic, double erlangB) {
        if (servers <= traffic) {
            return 1.0;
        }
        return servers * erlangB / (servers - traffic * (1.0 - erlangB));
    }

    /** Erlang C: the probability that an arriving chat has to wait (1 when N &lt;= A: the queue grows without bound). */
    public static double erlangC(long servers, double traffic) {
        return fromB(servers, traffic, erlangB(servers, traffic));
    }

    /** P(wait &lt;= t) = 1 - C·exp(-(N - A)·t / AHT); 0 when N &lt;= A. */
    public static double serviceLevel(long servers, double traffic, double erlangC, double handleSeconds, double withinSeconds) {
        if (servers <= traffic) {
            return 0.0;
        }
        return 1.0 - erlangC * Math.exp(-(servers - traffic) * withinSeconds / handleSeconds);
    }

    /** Mean wait over all chats (those answered at once included): C·AHT / (N - A); infinite when N &lt;= A. */
    public static double averageWait(long servers, double traffic, double erlangC, double handleSeconds) {
        if (servers <= traffic) {
            return Double.POSITIVE_INFINITY;
        }
        return erlangC * handleSeconds / (servers - traffic);
    }

    private static void check(long servers, double traffic) {
        if (servers < 0 || !(traffic >= 0) || Double.isInfinite(traffic)) {
            throw new IllegalArgumentException("servers >= 0 and a finite traffic >= 0 are required");
        }
    }
}
