package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class BusinessHoursTest {
    // Moscow is UTC+3 all year
    static final BusinessHours HOURS = new BusinessHours("Europe/Moscow",
            List.of(new BusinessHours.Window(List.of("MON", "TUE", "WED", "THU", "FRI"), "09:00", "18:00")));

    @Test
    void openInsideTheWindow() {
        assertThat(HOURS.isOpen(Instant.parse("2026-03-02T06:00:00Z"))).isTrue(); // Mon 09:00 MSK
        assertThat(HOURS.isOpen(Instant.parse("2026-03-02T14:59:59Z"))).isTrue(); // Mon 17:59:59
        assertThat(HOURS.isOpen(Instant.parse("2026-03-02T15:00:00Z"))).isFalse(); // Mon 18:00
        assertThat(HOURS.isOpen(Instant.parse("2026-03-02T05:59:00Z"))).isFalse(); // Mon 08:59
        assertThat(HOURS.isOpen(Instant.parse("2026-03-07T10:00:00Z"))).isFalse(); // Saturday
    }

    @Test
    void nextOpening() {
        assertThat(HOURS.nextOpening(Instant.parse("2026-03-02T10:00:00Z"))).isEmpty(); // open now
        assertThat(HOURS.nextOpening(Instant.parse("2026-03-02T16:00:00Z"))).contains(Instant.parse("2026-03-03T06:00:00Z"));
        assertThat(HOURS.nextOpening(Instant.parse("2026-03-06T16:00:00Z"))).contains(Instant.parse("2026-03-09T06:00:00Z")); // Fri evening -> Mon
        assertThat(HOURS.nextOpening(Instant.parse("2026-03-02T05:00:00Z"))).contains(Instant.parse("2026-03-02T06:00:00Z"));
    }

    @Test
    void nextClosing() {
        assertThat(HOURS.nextClosing(Instant.parse("2026-03-02T10:00:00Z"))).contains(Instant.parse("2026-03-02T15:00:00Z")); // Mon 18:00
        assertThat(HOURS.nextClosing(Instant.parse("2026-03-02T16:00:00Z"))).isEmpty(); // closed now
        // windows that meet close at the end of the stretch, not between them
        BusinessHours late = new BusinessHours("UTC", List.of(new BusinessHours.Window(List.of("MON"), "09:00", "24:00"),
                new BusinessHours.Window(List.of("TUE"), "00:00", "02:00")));
        assertThat(late.nextClosing(Instant.parse("2026-03-02T23:00:00Z"))).contains(Instant.parse("2026-03-03T02:00:00Z"));
        // open all week: no closing within eight days
        BusinessHours always = new BusinessHours("UTC", List.of(new BusinessHours.Window(
                List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"), "00:00", "24:00")));
        assertThat(always.nextClosing(Instant.parse("2026-03-02T10:00:00Z"))).isEmpty();
        // across daylight saving: Friday 27 March 18:00 CET is 17:00 UTC; Monday 30 March 18:00 CEST is 16:00 UTC
        assertThat(BERLIN.nextClosing(Instant.parse("2026-03-27T10:00:00Z"))).contains(Instant.parse("2026-03-27T17:00:00Z"));
        assertThat(BERLIN.nextClosing(Instant.parse("2026-03-30T10:00:00Z"))).contains(Instant.parse("2026-03-30T16:00:00Z"));
        // an hour the clocks repeat: the window closes after each of its two times
        BusinessHours night = new BusinessHours("Europe/Berlin", List.of(new BusinessHours.Window(List.of("SUN"), "02:15", "02:45")));
        assertThat(night.nextClosing(Instant.parse("2026-10-25T00:20:00Z"))).contains(Instant.parse("2026-10-25T00:45:00Z"));
        assertThat(night.nextClosing(Instant.parse("2026-10-25T01:20:00Z"))).contains(Instant.parse("2026-10-25T01:45:00Z"));
    }

    @Test
    void validation() {
        BusinessHours bad = new BusinessHours("Mars/Olympus", List.of(new BusinessHours.Window(List.of("MON", "XYZ"), "18:00", "9am")));
        assertThat(bad.validate("businessHours")).extracting(FieldError::field)
                .contains("businessHours.timezone", "businessHours.weekly[0].days", "businessHours.weekly[0].to");
        BusinessHours inverted = new BusinessHours("UTC", List.of(new BusinessHours.Window(List.of("MON"), "18:00", "09:00")));
        assertThat(inverted.validate("bh")).extracting(FieldError::field).containsExactly("bh.weekly[0].to");
        BusinessHours allDay = new BusinessHours("UTC", List.of(new BusinessHours.Window(List.of("SUN"), "00:00", "24:00")));
        assertThat(allDay.validate("bh")).isEmpty();
        assertThat(allDay.isOpen(Instant.parse("2026-03-08T23:59:00Z"))).isTrue();
    }

    // Berlin: CET (UTC+1) in winter, CEST (UTC+2) from 2026-03-29 02:00 (clocks jump to 03:00) to 2026-10-25 03:00 (back to 02:00)
    static final BusinessHours BERLIN = new BusinessHours("Europe/Berlin",
            List.of(new BusinessHours.Window(List.of("MON", "TUE", "WED", "THU", "FRI"), "09:00", "18:00")));

    @Test
    void theWindowKeepsItsLocalTimesAcrossDaylightSaving() {
        assertThat(BERLIN.isOpen(Instant.parse("2026-03-27T08:00:00Z"))).isTrue();  // Fri 09:00 CET
        assertThat(BERLIN.isOpen(Instant.parse("2026-03-27T16:59:59Z"))).isTrue();  // Fri 17:59:59 CET
        assertThat(BERLIN.isOpen(Instant.parse("2026-03-30T06:59:00Z"))).isFalse(); // Mon 08:59 CEST
        assertThat(BERLIN.isOpen(Instant.parse("2026-03-30T07:00:00Z"))).isTrue();  // Mon 09:00 CEST
        // Friday evening before the change -> Monday 09:00 CEST, which is 07:00 UTC (not 08:00)
        assertThat(BERLIN.nextOpening(Instant.parse("2026-03-27T17:00:00Z"))).contains(Instant.parse("2026-03-30T07:00:00Z"));
        // and back in autumn: Friday 23 Oct evening CEST -> Monday 26 Oct 09:00 CET = 08:00 UTC
        assertThat(BERLIN.nextOpening(Instant.parse("2026-10-23T17:00:00Z"))).contains(Instant.parse("2026-10-26T08:00:00Z"));
        assertThat(BERLIN.isOpen(Instant.parse("2026-10-26T07:59:00Z"))).isFalse();
    }

    @Test
    void aWindowStartingInTheSkippedHourOpensWhenTheJumpEnds() {
        // Sunday 29 March 2026 in Berlin: 02:00-03:00 local does not exist
        BusinessHours night = new BusinessHours("Europe/Berlin", List.of(new BusinessHours.Window(List.of("SUN"), "02:30", "05:00")));
        Instant jump = Instant.parse("2026-03-29T01:00:00Z"); // 03:00 CEST, the first instant after 01:59:59 CET
        assertThat(night.isOpen(jump.minusSeconds(1))).isFalse();
        assertThat(night.isOpen(jump)).isTrue();
        assertThat(night.nextOpening(Instant.parse("2026-03-28T12:00:00Z"))).contains(jump); // consistent with isOpen
        assertThat(night.isOpen(Instant.parse("2026-03-29T02:59:59Z"))).isTrue();  // 04:59:59 CEST
        assertThat(night.isOpen(Instant.parse("2026-03-29T03:00:00Z"))).isFalse(); // 05:00 CEST
    }

    @Test
    void anHourTheClocksRepeatIsInsideTheWindowBothTimes() {
        // Sunday 25 October 2026 in Berlin: 02:00-03:00 local happens twice (CEST, then CET)
        BusinessHours night = new BusinessHours("Europe/Berlin", List.of(new BusinessHours.Window(List.of("SUN"), "02:15", "02:45")));
        assertThat(night.isOpen(Instant.parse("2026-10-25T00:20:00Z"))).isTrue();  // 02:20 CEST
        assertThat(night.isOpen(Instant.parse("2026-10-25T00:50:00Z"))).isFalse(); // 02:50 CEST
        assertThat(night.isOpen(Instant.parse("2026-10-25T01:20:00Z"))).isTrue();  // 02:20 CET, the second time
        assertThat(night.nextOpening(Instant.parse("2026-10-24T12:00:00Z"))).contains(Instant.parse("2026-10-25T00:15:00Z")); // the first
    }
}
