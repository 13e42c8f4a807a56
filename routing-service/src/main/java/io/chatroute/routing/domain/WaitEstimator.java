package io.chatroute.routing.domain;

/**
 * Estimated wait of a chat by its position in its queue. The answer is a {@link Curve}: zero while a free slot is
 * waiting for it, then the wait of the first chat that has to wait plus one step per chat ahead of it.
 * <ul>
 * <li><b>With history</b> (at least {@code minAnswers} chats answered in the queue in the recent window): a chat at
 * position k behind F free slots waits for k - F answers, at the measured throughput: (k - F) / answers per second.</li>
 * <li><b>Before there is history</b>, Erlang C: the queue is M/M/N with N = the slots (max chats) of the AVAILABLE agents
 * able to serve it, a handle time AHT (measured when at least {@code minHandleSamples} chats closed, else the configured
 * default) and traffic A = arrival rate x AHT (arrivals in the window; when none, the busy slots). The first waiting
 * chat is told the Erlang C mean wait C(N, A) x AHT / (N - A); each chat ahead adds AHT / N, the mean time for one
 * of N busy slots to free. When N &lt;= A (overload) every chat adds AHT / N from the start.</li>
 * </ul>
 * Pure: the caller reads the counters from Redis (kept bounded there) and passes them in.
 */
public final class WaitEstimator {

    /** What is known about a queue (and the routing target of the chat) right now. */
    public record Inputs(long freeSlots, long slots, long busySlots, long answersInWindow, long arrivalsInWindow, long windowSeconds,
                         double averageHandleSeconds, long handleSamples, double defaultHandleSeconds, int minAnswers,
                         int minHandleSamples) {
    }

    /** eta(k) = 0 for k &lt;= free, else first + (k - free - 1) x step, in whole seconds (rounded up). */
    public record Curve(long freeSlots, double firstSeconds, double stepSeconds, String model) {
        public long secondsAt(long position) {
            if (position <= freeSlots) {
                return 0;
            }
            double s = firstSeconds + (position - freeSlots - 1) * stepSeconds;
            return (long) Math.ceil(Math.max(0, Math.min(s, 7 * 86_400)));
        }
    }

    private WaitEstimator() {
    }

    public static Curve curve(Inputs in) {
        long free = Math.max(0, in.freeSlots());
        if (in.answersInWindow() >= in.minAnswers() && in.answersInWindow() > 0 && in.windowSeconds() > 0) {
            double perChat = (double) in.windowSeconds() / in.answersInWindow();
            return new Curve(free, perChat, perChat, "throughput");
        }
        double aht = in.handleSamples() >= in.minHandleSamples() && in.averageHandleSeconds() > 0 ? in.averageHandleSeconds()
                : in.defaultHandleSeconds();
        long n = Math.max(1, in.slots());
        double traffic = in.arrivalsInWindow() > 0 && in.windowSeconds() > 0
                ? (double) in.arrivalsInWindow() / in.windowSeconds() * aht : Math.max(0, in.busySlots());
        double step = aht / n;
        if (traffic >= n) {
            return new Curve(free, step, step, "erlang-c (overloaded)");
        }
        double c = ErlangC.erlangC(n, traffic);
        return new Curve(free, c * aht / (n - traffic), step, "erlang-c");
    }
}
