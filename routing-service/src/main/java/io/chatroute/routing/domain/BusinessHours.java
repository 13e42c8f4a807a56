package io.chatroute.routing.domain;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Weekly opening hours in a time zone, by the local wall clock: open while the local time is in a window of the
 * local day ({@code to} may be "24:00", the end of the day). Across daylight-saving changes the windows keep their
 * local times: a window whose start the clocks skip opens when the jump ends; an hour the clocks repeat is inside
 * or outside a window both times.
 */
public record BusinessHours(String timezone, List<Window> weekly) {

    public record Window(List<String> days, String from, String to) {
    }

    public List<FieldError> validate(String path) {
        List<FieldError> errors = new ArrayList<>();
        try {
            if (timezone == null) {
                errors.add(new FieldError(path + ".timezone", "required (an IANA zone such as Europe/Moscow)"));
            } else {
                ZoneId.of(timezone);
            }
        } catch (DateTimeException e) {
            errors.add(new FieldError(path + ".timezone", "unknown time zone '" + timezone + "'"));
        }
        if (weekly == null || weekly.isEmpty()) {
            errors.add(new FieldError(path + ".weekly", "at least one window"));
            return errors;
        }
        for (int i = 0; i < weekly.size(); i++) {
            Window w = weekly.get(i);
            String p = path + ".weekly[" + i + "]";
            if (w == null) {
                errors.add(new FieldError(p, "must be an object"));
                continue;
            }
            if (w.days() == null || w.days().isEmpty()) {
                errors.add(new FieldError(p + ".days", "at least one day (MON..SUN)"));
            } else {
                for (String d : w.days()) {
                    if (day(d) == null) {
                        errors.add(new FieldError(p + ".days", "'" + d + "' is not one of MON, TUE, WED, THU, FRI, SAT, SUN"));
                    }
                }
            }
            LocalTime from = time(w.from());
            LocalTime to = "24:00".equals(w.to()) ? LocalTime.MAX : time(w.to());
            if (from == null) {
                errors.add(new FieldError(p + ".from", "must be HH:mm"));
            }
            if (to == null) {
                errors.add(new FieldError(p + ".to", "must be HH:mm (or 24:00)"));
            }
            if (from != null && to != null && !from.isBefore(to)) {
                errors.add(new FieldError(p + ".to", "must be after from"));
            }
        }
        return errors;
    }

    /** Open at this instant? */
    public boolean isOpen(Instant now) {
        ZonedDateTime local = now.atZone(ZoneId.of(timezone));
        LocalTime t = local.toLocalTime();
        for (Window w : weekly) {
            if (appliesTo(w, local.getDayOfWeek()) && !t.isBefore(time(w.from())) && t.isBefore(end(w))) {
                return true;
            }
        }
        return false;
    }

    /** The next opening strictly after {@code now} when closed now; empty when open now or never open. */
    public Optional<Instant> nextOpening(Instant now) {
        if (isOpen(now)) {
            return Optional.empty();
        }
        ZoneId zone = ZoneId.of(timezone);
        LocalDate today = now.atZone(zone).toLocalDate();
        Instant best = null;
        for (int d = 0; d <= 7; d++) {
            LocalDate date = today.plusDays(d);
            for (Window w : weekly) {
                if (appliesTo(w, date.getDayOfWeek())) {
                    Instant start = opening(date, time(w.from()), zone);
                    if (start.isAfter(now) && (best == null || start.isBefore(best))) {
                        best = start;
                    }
                }
            }
            if (best != null) {
                return Optional.of(best);
            }
        }
        return Optional.empty();
    }

    /**
     * The next closing strictly after {@code now} when open now (the end of the open stretch, across windows that
     * meet); empty when closed now or when it does not close within the next eight days.
     */
    public Optional<Instant> nextClosing(Instant now) {
        if (!isOpen(now)) {
            return Optional.empty();
        }
        ZoneId zone = ZoneId.of(timezone);
        LocalDate today = now.atZone(zone).toLocalDate();
        TreeSet<Instant> ends = new TreeSet<>();
        for (int d = -1; d <= 8; d++) {
            LocalDate date = today.plusDays(d);
            for (Window w : weekly) {
                if (appliesTo(w, date.getDayOfWeek())) {
                    LocalDateTime local = "24:00".equals(w.to()) ? date.plusDays(1).atStartOfDay() : date.atTime(time(w.to()));
                    // an end in an hour the clocks repeat happens twice: both are candidates
                    ZoneRules rules = zone.getRules();
                    List<Instant> candidates = rules.getValidOffsets(local).isEmpty()
                            ? List.of(rules.getTransition(local).getInstant())
                            : rules.getValidOffsets(local).stream().map(o -> local.toInstant(o)).toList();
                    for (Instant end : candidates) {
                        if (end.isAfter(now)) {
                            ends.add(end);
                        }
                    }
                }
            }
        }
        for (Instant end : ends) {
            if (!isOpen(end)) {
                return Optional.of(end);
            }
        }
        return Optional.empty();
    }

    /**
     * The instant a window opens on a local date. When the local opening time does not exist that day (the clocks
     * jump over it at the start of daylight saving time), the window opens when the jump ends, which is also the first
     * instant {@link #isOpen} is true. When it exists twice (the clocks go back), the earlier one.
     */
    static Instant opening(LocalDate date, LocalTime from, ZoneId zone) {
        LocalDateTime local = date.atTime(from);
        ZoneRules rules = zone.getRules();
        if (rules.getValidOffsets(local).isEmpty()) {
            return rules.getTransition(local).getInstant();
        }
        return ZonedDateTime.ofLocal(local, zone, null).toInstant();
    }

    private static boolean appliesTo(Window w, DayOfWeek dow) {
        return w.days().stream().anyMatch(d -> day(d) == dow);
    }

    private static LocalTime end(Window w) {
        return "24:00".equals(w.to()) ? LocalTime.MAX : time(w.to());
    }

    static DayOfWeek day(String d) {
        if (d == null) {
            return null;
        }
        for (DayOfWeek dow : DayOfWeek.values()) {
            if (dow.name().substring(0, 3).equalsIgnoreCase(d) || dow.name().equalsIgnoreCase(d)) {
                return dow;
            }
        }
        return null;
    }

    static LocalTime time(String s) {
        if (s == null || !s.matches("\\d{2}:\\d{2}")) {
            return null;
        }
        try {
            return LocalTime.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
