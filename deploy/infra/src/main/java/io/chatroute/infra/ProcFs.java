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
        double own = cpuTicks(pid);
        if (own < 0) {
            return -1;
        }
        if (cmdline(pid).contains("bin/postgres")) {
            own += ProcessHandle.allProcesses().filter(p -> p.parent().map(q -> q.pid() == pid).orElse(false))
                    .mapToDouble(p -> Math.max(0, cpuTicks(p.pid()))).sum();
        }
        return own / 100.0; // USER_HZ
    }

    private static double cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
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
}
