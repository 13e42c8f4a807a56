package io.chatroute.routing.domain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Staffing forecast by Erlang C with concurrency. Model: chats arrive at random (Poisson) at {@code chatsPerHour};
 * an agent handling up to {@code concurrency} chats at once counts as that many servers, each serving one chat at a
 * time in {@code avgHandleSeconds} on average (exponential), so N agents are N·c servers offered
 * A = chatsPerHour / 3600 · avgHandleSeconds erlangs. The answer is the fewest agents whose predicted share of chats
 * answered within {@code withinSeconds} reaches {@code serviceLevel}.
 *
 * <p>Limits: handle time must be measured at that concurrency (an agent with four chats is slower on each); no
 * abandonment (Erlang C overstates waits when visitors give up), no shrinkage (breaks, absence), one homogeneous
 * skill group, steady state within the hour.
 */
public final class Staffing {
    public static final double MAX_CHATS_PER_HOUR = 1_000_000;
    public static final double MIN_HANDLE_SECONDS = 1;
    public static final double MAX_HANDLE_SECONDS = 86_400;
    public static final double MIN_WITHIN_SECONDS = 1;
    public static final double MAX_WITHIN_SECONDS = 3_600;
    /** A safety bound far above what the validated inputs need (at most about 26 million servers). */
    static final long MAX_SERVERS = 200_000_000L;
    /** Stable rows shown on each side of the answer. */
    static final int TABLE_SIDE = 2;

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,9}");

    private Staffing() {
    }

    /** The request, validated. */
    public record Inputs(double chatsPerHour, double avgHandleSeconds, int concurrency, double serviceLevel, double withinSeconds) {
        /** Offered load in erlangs: arrivals per second x mean handle time. */
        public double trafficErlangs() {
            return chatsPerHour / 3600.0 * avgHandleSeconds;
        }
    }

    /** The prediction for one staffing level. {@code occupancy} = A / servers (the busy share of every slot). */
    public record Row(int agents, long servers, double predictedServiceLevel, double averageWaitSeconds, double probabilityOfWaiting,
                      double occupancy) {
    }

    /** The fewest agents meeting the target, and up to two stable staffing levels below and above it. */
    public record Forecast(Inputs inputs, double trafficErlangs, Row answer, List<Row> table) {
    }

    /** Parses and checks the query parameters; every problem is reported at once (field errors by parameter name). */
    public static Inputs parse(String chatsPerHour, String avgHandleSeconds, String concurrency, String serviceLevel, String withinSeconds) {
        List<FieldError> errors = new ArrayList<>();
        Double cph = number("chatsPerHour", chatsPerHour, errors);
        if (cph != null && !(cph > 0 && cph <= MAX_CHATS_PER_HOUR)) {
            errors.add(new FieldError("chatsPerHour", "must be more than 0 and at most 1000000"));
        }
        Double aht = number("avgHandleSeconds", avgHandleSeconds, errors);
        if (aht != null && !(aht >= MIN_HANDLE_SECONDS && aht <= MAX_HANDLE_SECONDS)) {
            errors.add(new FieldError("avgHandleSeconds", "must be 1 to 86400"));
        }
        Integer conc = null;
        String concMessage = "must be an integer from " + AgentProfile.MIN_CAP + " to " + AgentProfile.MAX_CAP;
        if (blank(concurrency)) {
            errors.add(new FieldError("concurrency", "required"));
        } else if (!INTEGER.matcher(concurrency.trim()).matches()) {
            errors.add(new FieldError("concurrency", concMessage));
        } else {
            conc = Integer.parseInt(concurrency.trim());
            if (conc < AgentProfile.MIN_CAP || conc > AgentProfile.MAX_CAP) {
                errors.add(new FieldError("concurrency", concMessage));
            }
        }
        Double sl = number("serviceLevel", serviceLevel, errors);
        if (sl != null && !(sl > 0 && sl < 1)) {
            errors.add(new FieldError("serviceLevel", "must be more than 0 and less than 1 (e.g. 0.8)"));
        }
        Double within = number("withinSeconds", withinSeconds, errors);
        if (within != null && !(within >= MIN_WITHIN_SECONDS && within <= MAX_WITHIN_SECONDS)) {
            errors.add(new FieldError("withinSeconds", "must be 1 to 3600"));
        }
        DomainValidationException.throwIfAny("invalid staffing forecast parameters", errors);
        return new Inputs(cph, aht, conc, sl, within);
    }

    /**
     * Searches upward from one agent, running the Erlang B recursion once over every server count on the way (O(N) in
     * all), so that large teams cost no more than the recursion itself.
     */
    public static Forecast forecast(Inputs in) {
        double a = in.trafficErlangs();
        int c = in.concurrency();
        double b = 1.0;
        long n = 0;
        Deque<Row> below = new ArrayDeque<>();
        List<Row> above = new ArrayList<>();
        Row answer = null;
        for (int agents = 1; ; agents++) {
            long servers = (long) agents * c;
            if (servers > MAX_SERVERS) {
                throw new DomainValidationException("no staffing up to " + MAX_SERVERS + " servers reaches the target",
                        List.of(new FieldError("serviceLevel", "cannot be reached with this load")));
            }
            while (n < servers) {
                n++;
                b = ErlangC.nextB(b, n, a);
            }
            if (servers <= a) {
                continue; // unstable: the queue would grow without bound
            }
            Row row = row(agents, servers, a, b, in);
            if (answer == null) {
                if (row.predictedServiceLevel() >= in.serviceLevel()) {
                    answer = row;
                } else {
                    below.addLast(row);
                    if (below.size() > TABLE_SIDE) {
                        below.removeFirst();
                    }
                }
            } else {
                above.add(row);
                if (above.size() == TABLE_SIDE) {
                    break;
                }
            }
        }
        List<Row> table = new ArrayList<>(below);
        table.add(answer);
        table.addAll(above);
        return new Forecast(in, a, answer, List.copyOf(table));
    }

    static Row row(int agents, long servers, double traffic, double erlangB, Inputs in) {
        double c = ErlangC.fromB(servers, traffic, erlangB);
        return new Row(agents, servers, ErlangC.serviceLevel(servers, traffic, c, in.avgHandleSeconds(), in.withinSeconds()),
                ErlangC.averageWait(servers, traffic, c, in.avgHandleSeconds()), c, traffic / servers);
    }

    private static Double number(String field, String raw, List<FieldError> errors) {
        if (blank(raw)) {
            errors.add(new FieldError(field, "required"));
            return null;
        }
        if (!NUMBER.matcher(raw.trim()).matches()) {
            errors.add(new FieldError(field, "must be a number"));
            return null;
        }
        double v = Double.parseDouble(raw.trim());
        if (!Double.isFinite(v)) {
            errors.add(new FieldError(field, "must be a finite number"));
            return null;
        }
        return v;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
