package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class HoldTest {

    static Map<String, String> chat(String state, String agentId, String offerId) {
        return Map.of("state", state, "agentId", agentId, "offerId", offerId);
    }

    @Test
    void parsesAnOfferedAndAnAcceptedHold() {
        assertThat(Hold.parse("o1|1700000000000")).isEqualTo(new Hold("o1", 1_700_000_000_000L, false));
        assertThat(Hold.parse("o1|1700000000000|A")).isEqualTo(new Hold("o1", 1_700_000_000_000L, true));
    }

    @Test
    void aMissingOrUnreadableTimeCountsAsOld() {
        assertThat(Hold.parse("o1").sinceMillis()).isZero();
        assertThat(Hold.parse("o1|x").sinceMillis()).isZero();
        assertThat(Hold.parse(null).offerId()).isEmpty();
    }

    @Test
    void realWhileTheChatPointsAtTheAgentWithThatOfferOfferedOrAssigned() {
        Hold h = Hold.parse("o1|1000");
        assertThat(h.realFor("a", chat("OFFERED", "a", "o1"))).isTrue();
        assertThat(h.realFor("a", chat("ASSIGNED", "a", "o1"))).isTrue(); // an accepted chat's hold is as real
        assertThat(h.realFor("a", chat("ASSIGNED", "a", "o2"))).isFalse(); // another offer
        assertThat(h.realFor("a", chat("OFFERED", "b", "o1"))).isFalse(); // another agent
        assertThat(h.realFor("a", chat("QUEUED", "a", "o1"))).isFalse(); // a claim between its steps, or released
        assertThat(h.realFor("a", Map.of("state", "CLOSED"))).isFalse();
        assertThat(h.realFor("a", Map.of())).isFalse(); // no such chat
    }

    @Test
    void staleOnlyWhenNotRealAndOldEnough() {
        Hold h = Hold.parse("o1|1000");
        Map<String, String> waiting = Map.of("state", "QUEUED");
        assertThat(h.stale("a", waiting, 1000 + 29_999, 30_000)).isFalse(); // may be a claim between its steps
        assertThat(h.stale("a", waiting, 1000 + 30_000, 30_000)).isTrue();
        assertThat(h.stale("a", waiting, 1000, 0)).isTrue(); // with no minimum age, at once
        assertThat(h.stale("a", chat("ASSIGNED", "a", "o1"), 1_000_000, 30_000)).isFalse();
        assertThat(h.stale("a", chat("OFFERED", "a", "o1"), 1_000_000, 0)).isFalse();
    }

    @Test
    void assignedToNeedsTheAcceptedOfferOfThatAgent() {
        assertThat(Hold.assignedTo(chat("ASSIGNED", "a", "o1"), "a", "o1")).isTrue();
        assertThat(Hold.assignedTo(chat("OFFERED", "a", "o1"), "a", "o1")).isFalse();
        assertThat(Hold.assignedTo(chat("ASSIGNED", "b", "o1"), "a", "o1")).isFalse();
        assertThat(Hold.assignedTo(chat("ASSIGNED", "a", "o1"), "a", "")).isFalse();
        assertThat(Hold.pointsAt(chat("OFFERED", "a", "o1"), "a", null)).isFalse();
    }
}
