package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HoldCheckTest {

    @Test
    void anOfferStandsOnlyWhileItsSlotIsHeld() {
        assertThat(HoldCheck.HELD.slotHeld()).isTrue();
        assertThat(HoldCheck.REHELD.slotHeld()).isTrue();
        assertThat(HoldCheck.ADOPTED.slotHeld()).isTrue();
        for (HoldCheck c : new HoldCheck[] {HoldCheck.FULL, HoldCheck.GONE, HoldCheck.CONFLICT, HoldCheck.UNKNOWN}) {
            assertThat(c.slotHeld()).as(c.name()).isFalse();
            assertThat(c.withdraw()).as(c.name()).isTrue();
        }
        assertThat(HoldCheck.HELD.withdraw()).isFalse();
        assertThat(HoldCheck.REHELD.withdraw()).isFalse();
    }

    @Test
    void onlyARepairedHoldCountsAsRetaken() {
        assertThat(HoldCheck.REHELD.retaken()).isTrue();
        assertThat(HoldCheck.ADOPTED.retaken()).isTrue();
        assertThat(HoldCheck.HELD.retaken()).isFalse();
        assertThat(HoldCheck.FULL.retaken()).isFalse();
    }

    @Test
    void parsesTheScriptsAnswersAndTreatsAnythingElseAsUnknown() {
        assertThat(HoldCheck.parse("REHELD")).isEqualTo(HoldCheck.REHELD);
        assertThat(HoldCheck.parse("FULL")).isEqualTo(HoldCheck.FULL);
        assertThat(HoldCheck.parse("NOT_HELD")).isEqualTo(HoldCheck.UNKNOWN);
        assertThat(HoldCheck.parse(null)).isEqualTo(HoldCheck.UNKNOWN);
        assertThat(HoldCheck.parse(null).withdraw()).isTrue(); // an answer not understood never lets an offer stand
    }
}
