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
}
