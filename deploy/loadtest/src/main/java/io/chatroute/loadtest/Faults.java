package io.chatroute.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

import io.chatroute.infra.LocalSystem;

/**
 * The run's {@code --kill} faults: at its second of the load each one kills a service the tool started with SIGKILL
 * (no shutdown hook, no consumer leaving its group, no offset committed on the way out), then starts it again on the
 * same port with the same settings and waits until it is ready. The load goes on meanwhile; the verdict is the same as
 * without a fault. Faults run one after another on their own thread, never on the simulation's event loop.
 */
final class Faults implements AutoCloseable {

    /** What one fault did: when (seconds into the load) the kill was sent and the restart was ready; or why it failed. */
    record Outcome(String service, int atSeconds, double killedAt, double readyAt, long oldPid, long newPid, String error) {
        boolean ok() {
            return error == null;
        }

        String summary() {
            return error != null ? String.format(Locale.ROOT, "%s@%d: %s", service, atSeconds, error)
                    : String.format(Locale.ROOT, "%s killed (SIGKILL, pid %d) at %.1f s, started again and ready at %.1f s "
                            + "(%.1f s away)", service, oldPid, killedAt, readyAt, readyAt - killedAt);
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("service", service);
            m.put("atSeconds", atSeconds);
            m.put("killedAtSeconds", finite(killedAt));
            m.put("readyAtSeconds", finite(readyAt));
            m.put("awaySeconds", error == null ? finite(readyAt - killedAt) : null);
            m.put("oldPid", oldPid);
            m.put("newPid", newPid);
            m.put("error", error);
            return m;
        }

        private static Double finite(double v) {
            return Double.isFinite(v) ? v : null;
        }
    }

    /** What a kill may take beyond the restart's readiness: Node.kill waits up to 30 s for the process to end. */
    static final Duration KILL_AND_MARGIN = Duration.ofSeconds(60);

    private final LocalSystem system;
    private final List<Options.Fault> faults;
    private final DoubleSupplier elapsed;
    private final Duration readyTimeout;
    private volatile boolean closed;
    private final Consumer<String> say;
    private final BiConsumer<String, Long> restarted;
    private final ScheduledExecutorService timer;
    private final ExecutorService worker;
    private final List<Future<Outcome>> scheduled = new ArrayList<>();

    /**
     * @param elapsed   seconds since the load started
     * @param restarted told the node's name and new pid after each restart (the CPU and memory figures follow it)
     */
    Faults(LocalSystem system, List<Options.Fault> faults, DoubleSupplier elapsed, Duration readyTimeout, Consumer<String> say,
           BiConsumer<String, Long> restarted) {
        this.readyTimeout = readyTimeout;
        this.system = system;
        this.faults = List.copyOf(faults);
        this.elapsed = elapsed;
        this.say = say;
        this.restarted = restarted;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "loadtest-fault-timer"));
        this.worker = Executors.newSingleThreadExecutor(r -> daemon(r, "loadtest-fault"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Schedules every fault at its second of the load (call once the load has started). */
    void start() {
        if (faults.isEmpty()) {
            return;
        }
        if (system == null) {
            throw new IllegalStateException("--kill needs the system the tool started (--start)");
        }
        for (Options.Fault f : faults) {
            long delayMillis = Math.max(0, Math.round((f.atSeconds() - elapsed.getAsDouble()) * 1000));
            // the timer only hands the fault to the worker, so that one slow restart delays the next fault, never its kill
            scheduled.add(timer.schedule(() -> worker.submit(() -> inject(f)).get(), delayMillis, TimeUnit.MILLISECONDS));
        }
    }

    /** PostgreSQL, Redis or the Kafka broker: killed and started again by the infrastructure process. */
    private Outcome injectInfra(Options.Fault f) {
        double killedAt = elapsed.getAsDouble();
        say.accept(String.format(Locale.ROOT, "fault: SIGKILL %s at %.1f s", f.service(), killedAt));
        long oldPid;
        try {
            oldPid = system.killInfra(f.service());
        } catch (RuntimeException e) {
            return new Outcome(f.node(), f.atSeconds(), killedAt, Double.NaN, -1, -1, "not killed: " + e.getMessage());
        }
        if (closed) {
            return new Outcome(f.node(), f.atSeconds(), killedAt, Double.NaN, oldPid, -1, "not started again: the run ended");
        }
        try {
            system.startInfra(f.service());
        } catch (RuntimeException e) {
            return new Outcome(f.node(), f.atSeconds(), killedAt, Double.NaN, oldPid, -1, "not started again: " + e.getMessage());
        }
        double readyAt = elapsed.getAsDouble();
        String name = pidName(f);
        long newPid = system.pids().getOrDefault(name, -1L);
        restarted.accept(name, newPid);
        Outcome o = new Outcome(f.node(), f.atSeconds(), killedAt, readyAt, oldPid, newPid, null);
        say.accept("fault: " + o.summary());
        return o;
    }

    /** The name LocalSystem#pids gives an infrastructure process. */
    private static String pidName(Options.Fault f) {
        return "postgres".equals(f.service()) ? "postgres (postmaster)" : f.service();
    }

    private Outcome inject(Options.Fault f) {
        if (f.infra()) {
            return injectInfra(f);
        }
        LocalSystem.Node node = node(f);
        long oldPid = node.alive() ? node.pid() : -1;
        double killedAt = elapsed.getAsDouble();
        if (oldPid < 0) {
            return new Outcome(f.node(), f.atSeconds(), killedAt, Double.NaN, -1, -1, "not running when its kill was due");
        }
        say.accept(String.format(Locale.ROOT, "fault: SIGKILL %s (pid %d) at %.1f s", f.node(), oldPid, killedAt));
        node.kill();
        if (closed) {
            // the run is ending (an error, or the system is being stopped): no service started behind its back
            return new Outcome(f.node(), f.atSeconds(), killedAt, Double.NaN, oldPid, -1, "not started again: the run ended");
        }
        try {
            system.restart(node);
        } catch (RuntimeException e) {
            return new Outcome(f.node(), f.atSeconds(), killedAt, Double.NaN, oldPid, -1, "not started again: " + e.getMessage());
        }
        double readyAt = elapsed.getAsDouble();
        restarted.accept(node.name(), node.pid());
        Outcome o = new Outcome(f.node(), f.atSeconds(), killedAt, readyAt, oldPid, node.pid(), null);
        say.accept("fault: " + o.summary());
        return o;
    }

    /**
     * Waits for every fault to end, what each did in the order given. They run one after another, so each gets its own
     * time once the one before it ended: until its second of the load, then the restart's readiness timeout and the
     * kill's wait.
     */
    List<Outcome> await() {
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < scheduled.size(); i++) {
            Options.Fault f = faults.get(i);
            Duration budget = readyTimeout.plus(KILL_AND_MARGIN)
                    .plusMillis(Math.max(0, Math.round((f.atSeconds() - elapsed.getAsDouble()) * 1000)));
            try {
                out.add(scheduled.get(i).get(budget.toMillis(), TimeUnit.MILLISECONDS));
            } catch (java.util.concurrent.TimeoutException e) {
                out.add(new Outcome(f.node(), f.atSeconds(), Double.NaN, Double.NaN, -1, -1,
                        "still under way after " + budget.toSeconds() + " s"));
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause() instanceof java.util.concurrent.ExecutionException ee ? ee.getCause() : e.getCause();
                out.add(new Outcome(f.node(), f.atSeconds(), Double.NaN, Double.NaN, -1, -1, String.valueOf(cause)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the faults", e);
            }
        }
        return out;
    }

    /** The node names of the services a fault restarted (their CPU over the window is not one process's). */
    Set<String> restartedServices() {
        Set<String> out = new LinkedHashSet<>();
        faults.forEach(f -> out.add(system == null || f.infra() ? pidName(f) : node(f).name()));
        return out;
    }

    private LocalSystem.Node node(Options.Fault f) {
        return system.nodes(f.service()).get(f.instance() - 1);
    }

    /**
     * Stops the faults: none starts a service any more, a kill under way ends, and the threads are gone (at most 40 s:
     * a kill waits up to 30 s for its process).
     */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(40, TimeUnit.SECONDS)) {
                say.accept("fault: a restart was still under way when the run ended");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
