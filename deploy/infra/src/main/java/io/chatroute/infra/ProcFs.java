package io.chatroute.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What Linux's /proc tells about a process: its command line, CPU time and resident memory. */
public final class ProcFs {

    private ProcFs() {
    }

    /** The command line (ProcessHandle.Info may leave the arguments out), "" when unknown. */
    public static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * CPU time (user + system) in seconds, -1 when unknown; for a PostgreSQL postmaster its backends are added (they
     * do the work and are not its waited-for children).
     */
    public static double cpuSeconds(long pid) {
        boolean postgres = cmdline(pid).contains("bin/postgres");
        // PostgreSQL works in one backend process per connection: the postmaster's figure is its own, its live
        // backends' and those that ended (cutime, cstime: a backend's time moves there when it exits), so it never
        // falls when a client's connections close
        double own = cpuTicks(pid, postgres);
        if (own < 0) {
            return -1;
        }
        if (postgres) {
            own += ProcessHandle.allProcesses().filter(p -> p.parent().map(q -> q.pid() == pid).orElse(false))
                    .mapToDouble(p -> Math.max(0, cpuTicks(p.pid(), false))).sum();
        }
        return own / 100.0; // USER_HZ
    }

    private static double cpuTicks(long pid, boolean withEndedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
            if (withEndedChildren) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]); // fields 16 and 17: cutime, cstime
            }
            return ticks;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** VmRSS in KiB, or -1. */
    public static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Ends a child process cleanly: SIGTERM, and SIGKILL if it has not ended 30 s later (or on an interrupt). */
    public static void terminate(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** SIGKILLs every one of {@code processes} at once and waits (30 s at most) until each has ended. */
    public static void killAndAwait(java.util.List<ProcessHandle> processes, String what) {
        processes.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(what + " " + p.pid() + " did not end after SIGKILL", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
