package io.chatroute.routing.domain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Routing on virtual time: a discrete-event simulation of a contact centre driven by routing-service's own pure
 * decisions, with no Kafka, Redis or clock. Chats arrive per queue as Poisson processes; each waits in its queue's
 * waiting set ordered by {@link WaitingScore} (higher priority first, then oldest); an agent is chosen by
 * {@link AgentSelector#select} (AVAILABLE, skills, room under the cap; fewest active, best skill, longest idle); the
 * visitor is told {@link WaitEstimator}'s estimate at arrival, from the same signals routing keeps (answers and
 * arrivals in the last 15 min, the latest 100 handle times, the target's slots); handle times are lognormal (or
 * exponential). Dispatch is event-driven as in routing: an arrival dispatches its queue, a finished chat the queues its
 * agent serves (highest priority first); an offer is accepted at once (no offer latency, no declines: the model Erlang
 * C assumes), and nobody abandons.
 * <p>
 * Each result stands next to the Erlang C prediction for the same staffing, computed by routing's {@link Staffing}
 * model (an agent with cap c is c servers): {@code Staffing.row} with servers = the sum of the agents' caps and traffic
 * = the offered erlangs. For a centre with several queues and skill mixes that prediction is the fully pooled one (any
 * agent could take any chat): the best the staffing could do.
 * <p>
 * Run the full table: {@code ./mvnw -B -q -pl routing-service test-compile} then
 * {@code java -cp routing-service/target/classes:routing-service/target/test-classes io.chatroute.routing.domain.RoutingSimulation}.
 */
public final class RoutingSimulation {

    /** A handle-time distribution, in seconds. */
    public interface HandleTime {
        double sample(Random r);

        double mean();

        String describe();

        /** Lognormal with this median and shape sigma: mean = median x e^(sigma^2 / 2), CV = sqrt(e^(sigma^2) - 1). */
        static HandleTime lognormal(double median, double sigma) {
            return new HandleTime() {
                public double sample(Random r) {
                    return median * Math.exp(sigma * r.nextGaussian());
                }

                public double mean() {
                    return median * Math.exp(sigma * sigma / 2);
                }

                public String describe() {
                    return String.format(Locale.ROOT, "lognormal median %.0f s sigma %.2f (mean %.0f s, CV %.2f)", median, sigma, mean(),
                            Math.sqrt(Math.exp(sigma * sigma) - 1));
                }
            };
        }

        static HandleTime exponential(double mean) {
            return new HandleTime() {
                public double sample(Random r) {
                    return -mean * Math.log(1 - r.nextDouble());
                }

                public double mean() {
                    return mean;
                }

                public String describe() {
                    return String.format(Locale.ROOT, "exponential mean %.0f s", mean);
                }
            };
        }
    }

    public record QueueSpec(String id, Map<String, Integer> skills, int priority, double chatsPerHour, HandleTime handle) {
    }

    public record AgentSpec(String id, Map<String, Integer> skills, int cap) {
    }

    /** A centre and how long to run it; figures count the chats that arrive after the warm-up. */
    public record Scenario(String name, List<QueueSpec> queues, List<AgentSpec> agents, double hours, double warmupHours,
                           double serviceLevelSeconds, long seed) {
    }

    /** The figures of one queue (or of the whole centre, queueId "all"). */
    public record Figures(String queueId, long chats, double serviceLevel, double averageWait, double p90Wait, double maxWait,
                          double meanEstimate, double meanAbsEstimateError, long fifoViolations) {
    }

    /** Erlang C for the same staffing (routing's Staffing.row). */
    public record Prediction(long servers, double trafficErlangs, double serviceLevel, double averageWait, double p90Wait,
                             double probabilityOfWaiting, double occupancy) {
    }

    public record Result(Scenario scenario, Figures all, List<Figures> queues, Prediction erlangC, double utilisation,
                         double[] agentOccupancy, long[] agentHandled, int[] maxActive, long capViolations, long decisions) {
        public double minOccupancy() {
            return Arrays.stream(agentOccupancy).min().orElse(0);
        }

        public double maxOccupancy() {
            return Arrays.stream(agentOccupancy).max().orElse(0);
        }

        /** Coefficient of variation of the agents' occupancy (busy slot time / cap time): 0 = perfectly even. */
        public double occupancyCv() {
            double mean = Arrays.stream(agentOccupancy).average().orElse(0);
            double var = Arrays.stream(agentOccupancy).map(o -> (o - mean) * (o - mean)).average().orElse(0);
            return mean == 0 ? 0 : Math.sqrt(var) / mean;
        }
    }

    // ------------------------------------------------------------ the simulation

    private static final long EPOCH = AgentSelector.INDEX_EPOCH;
    private static final double WINDOW = 900; // estimate-window-seconds
    private static final int MIN_ANSWERS = 5;
    private static final int MIN_HANDLE_SAMPLES = 3;
    private static final double DEFAULT_HANDLE = 300;

    private record Event(double at, long seq, int kind, int queue, int agent, Chat chat) {
    }

    private static final int ARRIVAL = 0;
    private static final int DONE = 1;

    private static final class Chat {
        final long id;
        final int queue;
        final double arrivedAt;
        final long score;
        double estimate;
        double answeredAt = -1;

        Chat(long id, int queue, double arrivedAt, int priority) {
            this.id = id;
            this.queue = queue;
            this.arrivedAt = arrivedAt;
            this.score = WaitingScore.of(priority, EPOCH + Math.round(arrivedAt * 1000), false);
        }
    }

    private final Scenario s;
    private final Random rnd;
    private final PriorityQueue<Event> events = new PriorityQueue<>(Comparator.comparingDouble(Event::at).thenComparingLong(Event::seq));
    private long seq;
    private long chatSeq;
    private final List<TreeSet<Chat>> waiting = new ArrayList<>();
    private final int[] active;
    private final long[] lastAssignedAt;
    private final double[] busySince;
    private final double[] busySlotSeconds;
    private final long[] handled;
    private final int[] maxActive;
    private long capViolations;
    private long decisions;
    private final List<List<Integer>> queuesOfAgent = new ArrayList<>();
    private final List<Deque<Double>> answers = new ArrayList<>();
    private final List<Deque<Double>> arrivals = new ArrayList<>();
    private final List<Deque<Double>> handles = new ArrayList<>();
    private final List<Chat> measured = new ArrayList<>();
    private final double warmup;
    private final double end;
    private final long[] lastFifoScore;
    private final long[] fifoViolations;

    private RoutingSimulation(Scenario s) {
        this.s = s;
        this.rnd = new Random(s.seed());
        int n = s.agents().size();
        active = new int[n];
        lastAssignedAt = new long[n];
        busySince = new double[n];
        busySlotSeconds = new double[n];
        handled = new long[n];
        maxActive = new int[n];
        warmup = s.warmupHours() * 3600;
        end = (s.warmupHours() + s.hours()) * 3600;
        lastFifoScore = new long[s.queues().size()];
        fifoViolations = new long[s.queues().size()];
        Arrays.fill(lastFifoScore, Long.MIN_VALUE);
        for (int q = 0; q < s.queues().size(); q++) {
            waiting.add(new TreeSet<>(Comparator.comparingLong((Chat c) -> c.score).thenComparingLong(c -> c.id)));
            answers.add(new ArrayDeque<>());
            arrivals.add(new ArrayDeque<>());
            handles.add(new ArrayDeque<>());
        }
        for (AgentSpec a : s.agents()) {
            List<Integer> served = new ArrayList<>();
            for (int q = 0; q < s.queues().size(); q++) {
                if (Skills.satisfies(a.skills(), s.queues().get(q).skills())) {
                    served.add(q);
                }
            }
            // dispatch after a finished chat: the queues the agent serves, highest priority first, then by id
            served.sort(Comparator.comparingInt((Integer q) -> -s.queues().get(q).priority()).thenComparing(q -> s.queues().get(q).id()));
            queuesOfAgent.add(served);
        }
    }

    public static Result run(Scenario s) {
        return new RoutingSimulation(s).simulate();
    }

    private void schedule(double at, int kind, int queue, int agent, Chat chat) {
        events.add(new Event(at, seq++, kind, queue, agent, chat));
    }

    private Result simulate() {
        for (int q = 0; q < s.queues().size(); q++) {
            schedule(nextArrival(0, q), ARRIVAL, q, -1, null);
        }
        while (!events.isEmpty()) {
            Event e = events.poll();
            if (e.kind() == ARRIVAL) {
                if (e.at() >= end) {
                    continue; // no more arrivals; the chats still in the centre finish
                }
                arrive(e.at(), e.queue());
                schedule(nextArrival(e.at(), e.queue()), ARRIVAL, e.queue(), -1, null);
            } else {
                finish(e.at(), e.agent(), e.chat());
            }
        }
        return result();
    }

    private double nextArrival(double now, int q) {
        double perSecond = s.queues().get(q).chatsPerHour() / 3600;
        return now - Math.log(1 - rnd.nextDouble()) / perSecond;
    }

    private void arrive(double now, int q) {
        Chat c = new Chat(chatSeq++, q, now, s.queues().get(q).priority());
        waiting.get(q).add(c);
        trim(arrivals.get(q), now);
        arrivals.get(q).addLast(now);
        c.estimate = estimate(now, q, position(c));
        if (now >= warmup) {
            measured.add(c);
        }
        dispatch(now, q);
    }

    private long position(Chat c) {
        return waiting.get(c.queue).headSet(c, true).size();
    }

    /** What routing would tell this chat now: WaitEstimator over the queue's signals, as the Announcer computes them. */
    private double estimate(double now, int q, long position) {
        Map<String, Integer> req = s.queues().get(q).skills();
        long free = 0;
        long slots = 0;
        long busy = 0;
        for (int a = 0; a < s.agents().size(); a++) {
            AgentSpec spec = s.agents().get(a);
            if (Skills.satisfies(spec.skills(), req)) {
                slots += spec.cap();
                free += Math.max(0, spec.cap() - active[a]);
                busy += active[a];
            }
        }
        trim(answers.get(q), now);
        Deque<Double> h = handles.get(q);
        double avg = h.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        WaitEstimator.Curve curve = WaitEstimator.curve(new WaitEstimator.Inputs(free, slots, busy, answers.get(q).size(),
                arrivals.get(q).size(), (long) WINDOW, avg, h.size(), DEFAULT_HANDLE, MIN_ANSWERS, MIN_HANDLE_SAMPLES));
        return curve.secondsAt(position);
    }

    private static void trim(Deque<Double> times, double now) {
        while (!times.isEmpty() && (times.peekFirst() < now - WINDOW || times.size() > 1000)) {
            times.removeFirst();
        }
    }

    /** Offers the queue's waiting chats in order to the best agents while anyone able to serve them has room. */
    private void dispatch(double now, int q) {
        TreeSet<Chat> set = waiting.get(q);
        Map<String, Integer> req = s.queues().get(q).skills();
        while (!set.isEmpty()) {
            Chat c = set.first();
            decisions++;
            AgentSelector.Selection sel = AgentSelector.select(req, snapshots(), Set.of(), Set.of());
            if (!sel.found()) {
                return; // one routing target per queue: nobody able has room, so nobody for the chats behind either
            }
            set.pollFirst();
            assign(now, c, index(sel.agentId()));
        }
    }

    private List<AgentSnapshot> snapshots() {
        List<AgentSnapshot> out = new ArrayList<>(s.agents().size());
        for (int a = 0; a < s.agents().size(); a++) {
            AgentSpec spec = s.agents().get(a);
            out.add(new AgentSnapshot(spec.id(), Presence.AVAILABLE, active[a], spec.cap(), spec.skills(), lastAssignedAt[a]));
        }
        return out;
    }

    private int index(String agentId) {
        for (int a = 0; a < s.agents().size(); a++) {
            if (s.agents().get(a).id().equals(agentId)) {
                return a;
            }
        }
        throw new IllegalStateException("unknown agent " + agentId);
    }

    private void assign(double now, Chat c, int a) {
        account(now, a);
        active[a]++;
        maxActive[a] = Math.max(maxActive[a], active[a]);
        if (active[a] > s.agents().get(a).cap()) {
            capViolations++;
        }
        lastAssignedAt[a] = EPOCH + Math.round(now * 1000);
        c.answeredAt = now;
        trim(answers.get(c.queue), now);
        answers.get(c.queue).addLast(now);
        if (c.arrivedAt >= warmup) {
            // FIFO within a queue and priority: a chat answered never arrived before one answered earlier
            if (c.score < lastFifoScore[c.queue]) {
                fifoViolations[c.queue]++;
            }
            lastFifoScore[c.queue] = Math.max(lastFifoScore[c.queue], c.score);
        }
        schedule(now + s.queues().get(c.queue).handle().sample(rnd), DONE, c.queue, a, c);
    }

    private void finish(double now, int a, Chat c) {
        account(now, a);
        active[a]--;
        if (now >= warmup) {
            handled[a]++;
        }
        Deque<Double> h = handles.get(c.queue);
        h.addLast(now - c.answeredAt);
        if (h.size() > 100) {
            h.removeFirst();
        }
        for (int q : queuesOfAgent.get(a)) {
            dispatch(now, q);
        }
    }

    /** Busy slot-seconds inside the measured window [warmup, end]. */
    private void account(double now, int a) {
        double from = Math.max(busySince[a], warmup);
        double to = Math.min(now, end);
        if (to > from) {
            busySlotSeconds[a] += active[a] * (to - from);
        }
        busySince[a] = now;
    }

    private Result result() {
        double measuredSeconds = end - warmup;
        double[] occupancy = new double[s.agents().size()];
        double busy = 0;
        double capacity = 0;
        for (int a = 0; a < occupancy.length; a++) {
            int cap = s.agents().get(a).cap();
            occupancy[a] = busySlotSeconds[a] / (cap * measuredSeconds);
            busy += busySlotSeconds[a];
            capacity += cap * measuredSeconds;
        }
        List<Figures> perQueue = new ArrayList<>();
        for (int q = 0; q < s.queues().size(); q++) {
            int qq = q;
            perQueue.add(figures(s.queues().get(q).id(), measured.stream().filter(c -> c.queue == qq).toList(), fifoViolations[q]));
        }
        Figures all = figures("all", measured, Arrays.stream(fifoViolations).sum());
        return new Result(s, all, perQueue, erlangC(), busy / capacity, occupancy, handled, maxActive, capViolations, decisions);
    }

    private Figures figures(String id, List<Chat> chats, long fifo) {
        double t = s.serviceLevelSeconds();
        double[] waits = chats.stream().mapToDouble(c -> c.answeredAt - c.arrivedAt).sorted().toArray();
        long within = Arrays.stream(waits).filter(w -> w <= t).count();
        double avg = Arrays.stream(waits).average().orElse(0);
        double p90 = waits.length == 0 ? 0 : waits[(int) Math.min(waits.length - 1, Math.ceil(0.9 * waits.length) - 1)];
        double max = waits.length == 0 ? 0 : waits[waits.length - 1];
        double est = chats.stream().mapToDouble(c -> c.estimate).average().orElse(0);
        double err = chats.stream().mapToDouble(c -> Math.abs(c.estimate - (c.answeredAt - c.arrivedAt))).average().orElse(0);
        return new Figures(id, waits.length, waits.length == 0 ? 0 : (double) within / waits.length, avg, p90, max, est, err, fifo);
    }

    /** Erlang C with concurrency for this staffing (routing's Staffing.row): servers = the sum of the caps. */
    private Prediction erlangC() {
        double perHour = s.queues().stream().mapToDouble(QueueSpec::chatsPerHour).sum();
        double traffic = s.queues().stream().mapToDouble(q -> q.chatsPerHour() / 3600 * q.handle().mean()).sum();
        double aht = traffic / (perHour / 3600);
        long servers = s.agents().stream().mapToLong(AgentSpec::cap).sum();
        int agents = s.agents().size();
        int concurrency = (int) Math.max(1, Math.min(6, Math.round((double) servers / agents)));
        Staffing.Row row = Staffing.row(agents, servers, traffic, ErlangC.erlangB(servers, traffic),
                new Staffing.Inputs(perHour, aht, concurrency, 0.8, s.serviceLevelSeconds()));
        // P(W > t) = C e^(-(N - A) t / AHT): the 90th percentile of the wait
        double c = row.probabilityOfWaiting();
        double p90 = servers <= traffic ? Double.POSITIVE_INFINITY : c <= 0.1 ? 0 : aht / (servers - traffic) * Math.log(c / 0.1);
        return new Prediction(servers, traffic, row.predictedServiceLevel(), row.averageWaitSeconds(), p90, c, row.occupancy());
    }

    // ------------------------------------------------------------ the scenarios of the README's table

    public static List<AgentSpec> agents(String prefix, int n, Map<String, Integer> skills, int... caps) {
        List<AgentSpec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new AgentSpec(String.format("%s-%02d", prefix, i), skills, caps[i % caps.length]));
        }
        return out;
    }

    static List<Scenario> scenarios(double hours) {
        Map<String, Integer> chat = Map.of("chat", 1);
        List<Scenario> out = new ArrayList<>();
        out.add(new Scenario("A: 1 queue, 14 agents cap 1, exponential 180 s, 200 chats/h",
                List.of(new QueueSpec("chat", chat, 0, 200, HandleTime.exponential(180))), agents("a", 14, chat, 1), hours, 1, 20, 1));
        out.add(new Scenario("B: as A, lognormal handle (CV 1.31)",
                List.of(new QueueSpec("chat", chat, 0, 200, HandleTime.lognormal(180 / Math.exp(0.5), 1.0))), agents("a", 14, chat, 1),
                hours, 1, 20, 2));
        out.add(new Scenario("C: 1 queue, 12 agents cap 4, lognormal 600 s, 260 chats/h",
                List.of(new QueueSpec("chat", chat, 0, 260, HandleTime.lognormal(600 / Math.exp(0.32), 0.8))), agents("a", 12, chat, 4),
                hours, 1, 30, 3));
        out.add(new Scenario("D: 1 queue, 12 agents caps 4/5/6, lognormal 600 s, 330 chats/h",
                List.of(new QueueSpec("chat", chat, 0, 330, HandleTime.lognormal(600 / Math.exp(0.32), 0.8))),
                agents("a", 12, chat, 4, 5, 6), hours, 1, 30, 4));
        Map<String, Integer> billing = Map.of("billing", 1);
        Map<String, Integer> tech = Map.of("tech", 1);
        Map<String, Integer> vipSkills = Map.of("billing", 5);
        List<AgentSpec> mix = new ArrayList<>();
        mix.addAll(agents("bill", 8, Map.of("billing", 3), 4, 5, 6));
        mix.addAll(agents("senior", 3, new TreeMap<>(Map.of("billing", 7, "tech", 2)), 4, 5));
        mix.addAll(agents("tech", 6, Map.of("tech", 4), 4, 6));
        mix.addAll(agents("both", 3, new TreeMap<>(Map.of("billing", 2, "tech", 3)), 5, 6));
        out.add(new Scenario("E: 3 queues, 20 agents in 4 skill mixes, caps 4-6",
                List.of(new QueueSpec("billing", billing, 0, 200, HandleTime.lognormal(480, 0.7)),
                        new QueueSpec("tech", tech, 0, 130, HandleTime.lognormal(720, 0.9)),
                        new QueueSpec("vip", vipSkills, 10, 30, HandleTime.lognormal(600, 0.6))),
                mix, hours, 1, 30, 5));
        return out;
    }

    /** Prints the README's table. Argument: simulated hours per scenario (default 200). */
    public static void main(String[] args) {
        double hours = args.length > 0 ? Double.parseDouble(args[0]) : 200;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Simulated %.0f h per scenario after a 1 h warm-up; waits in seconds; SL = answered within T.%n%n", hours));
        out.append("| scenario | queue | chats | T | SL sim | SL Erlang C | avg wait sim | avg wait Erlang C | p90 wait sim | p90 wait Erlang C "
                + "| utilisation sim | occupancy Erlang C | agent occupancy min-max (CV) | max load / cap | estimate told / real wait |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Scenario sc : scenarios(hours)) {
            long t0 = System.nanoTime();
            Result r = run(sc);
            Prediction p = r.erlangC();
            int worst = 0;
            for (int a = 0; a < r.maxActive().length; a++) {
                worst = Math.max(worst, r.maxActive()[a] - sc.agents().get(a).cap());
            }
            out.append(String.format(Locale.ROOT, "| %s | all | %d | %.0f | %.3f | %.3f | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f | %.3f-%.3f (%.3f) | %s | %.1f / %.1f |%n",
                    sc.name(), r.all().chats(), sc.serviceLevelSeconds(), r.all().serviceLevel(), p.serviceLevel(), r.all().averageWait(),
                    p.averageWait(), r.all().p90Wait(), p.p90Wait(), r.utilisation(), p.occupancy(), r.minOccupancy(), r.maxOccupancy(),
                    r.occupancyCv(), worst <= 0 ? "never above (" + r.capViolations() + ")" : "ABOVE by " + worst,
                    r.all().meanEstimate(), r.all().averageWait()));
            if (sc.queues().size() > 1) {
                for (Figures f : r.queues()) {
                    out.append(String.format(Locale.ROOT, "| | %s | %d | %.0f | %.3f | | %.1f | | %.1f | | | | | | %.1f / %.1f |%n", f.queueId(),
                            f.chats(), sc.serviceLevelSeconds(), f.serviceLevel(), f.averageWait(), f.p90Wait(), f.meanEstimate(),
                            f.averageWait()));
                }
            }
            System.err.printf(Locale.ROOT, "%s: %d decisions in %.1f s%n", sc.name(), r.decisions(), (System.nanoTime() - t0) / 1e9);
        }
        System.out.print(out);
    }
}
