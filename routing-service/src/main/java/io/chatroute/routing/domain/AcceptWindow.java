package io.chatroute.routing.domain;

/**
 * Whether an accept came in time. It is judged by when the agent pressed accept ({@code acceptedAt} from
 * {@code chat.offer.accepted}), not by when routing processed the event: a timely accept that waited in Kafka still
 * wins. The desk's clock may be off: an {@code acceptedAt} in the future counts as now, and up to {@code skewMillis}
 * after the deadline is still in time. Routing releases an expired offer only {@code skewMillis} after its deadline,
 * so an accept pressed in time finds the offer still there.
 */
public final class AcceptWindow {
    private AcceptWindow() {
    }

    /** The moment the accept counts for: {@code acceptedAt} (epoch ms; 0 = unknown) but never later than now. */
    public static long effective(long acceptedAtMillis, long nowMillis) {
        return acceptedAtMillis <= 0 || acceptedAtMillis > nowMillis ? nowMillis : acceptedAtMillis;
    }

    public static boolean inTime(long acceptedAtMillis, long nowMillis, long expiresAtMillis, long skewMillis) {
        return effective(acceptedAtMillis, nowMillis) <= expiresAtMillis + skewMillis;
    }
}
