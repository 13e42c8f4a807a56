package io.chatroute.loadtest;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Redis's own count of the commands it ran over the measured window ({@code INFO server cpu commandstats}, read at the
 * window's start and end): the work the services ask of Redis per chat message. A count, not a timing, so two builds
 * compare by it even when the machine's noise blurs their latencies. Commands a script runs are counted too (a
 * script's {@code evalsha} and each command inside it), and a script's time includes theirs: the times per command
 * overlap, so the total is Redis's CPU ({@code used_cpu_user + used_cpu_sys}), not their sum.
 */
final class RedisCommandStats {

    /** One command's calls and the microseconds Redis spent in them (a script's include the commands it ran). */
    record Stat(long calls, long usec) {
    }

    /** One reading: the server's run id (a restart changes it), its CPU seconds so far, the counters per command. */
    record Reading(String runId, double cpuSeconds, Map<String, Stat> commands) {
        static final Reading NONE = new Reading("", -1, Map.of());
    }

    private RedisCommandStats() {
    }

    /** The counters now; {@link Reading#NONE} when Redis cannot be read (down, or it asks for a password). */
    static Reading readQuietly(String redisUrl) {
        try {
            URI uri = URI.create(redisUrl);
            return read(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379);
        } catch (IOException | RuntimeException e) {
            return Reading.NONE;
        }
    }

    static Reading read(String host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("*4\r\n$4\r\nINFO\r\n$6\r\nserver\r\n$3\r\ncpu\r\n$12\r\ncommandstats\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String head = line(in);
            if (!head.startsWith("$")) {
                throw new IOException("INFO answered " + head);
            }
            byte[] body = in.readNBytes(Integer.parseInt(head.substring(1)));
            return parse(new String(body, StandardCharsets.UTF_8));
        }
    }

    /**
     * Parses the run id, {@code used_cpu_user} and {@code used_cpu_sys}, and the
     * {@code cmdstat_<name>:calls=N,usec=N,...} lines.
     */
    static Reading parse(String info) {
        Map<String, Stat> out = new TreeMap<>();
        String runId = "";
        double cpu = 0;
        int cpuFields = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                runId = line.substring("run_id:".length()).trim();
                continue;
            }
            if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                cpu += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                cpuFields++;
                continue;
            }
            if (!line.startsWith("cmdstat_") || line.indexOf(':') < 0) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            long calls = -1;
            long usec = -1;
            for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
                int eq = field.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String k = field.substring(0, eq);
                if (k.equals("calls")) {
                    calls = Long.parseLong(field.substring(eq + 1));
                } else if (k.equals("usec")) {
                    usec = Long.parseLong(field.substring(eq + 1));
                }
            }
            if (calls >= 0 && usec >= 0) {
                out.put(name, new Stat(calls, usec));
            }
        }
        return new Reading(runId, cpuFields == 2 ? cpu : -1, out);
    }

    /**
     * What ran between two readings, per chat message sent in that time (visitor and agent): the commands, Redis's
     * CPU, and the commands that took most of its time. Empty when a reading is missing or Redis restarted in between
     * (another run id, or counters smaller than before).
     */
    static Map<String, Object> window(Reading before, Reading after, long messages, int top) {
        if (before.commands().isEmpty() || after.commands().isEmpty() || !before.runId().equals(after.runId())) {
            return Map.of();
        }
        List<Map.Entry<String, Stat>> ran = new ArrayList<>();
        long calls = 0;
        for (Map.Entry<String, Stat> e : after.commands().entrySet()) {
            Stat then = before.commands().getOrDefault(e.getKey(), new Stat(0, 0));
            Stat d = new Stat(e.getValue().calls() - then.calls(), e.getValue().usec() - then.usec());
            if (d.calls() < 0 || d.usec() < 0) {
                return Map.of(); // the counters were reset (CONFIG RESETSTAT): no figure for this window
            }
            if (d.calls() > 0) {
                ran.add(Map.entry(e.getKey(), d));
                calls += d.calls();
            }
        }
        double cpu = before.cpuSeconds() >= 0 && after.cpuSeconds() >= before.cpuSeconds()
                ? after.cpuSeconds() - before.cpuSeconds() : -1;
        ran.sort(Comparator.comparingLong((Map.Entry<String, Stat> e) -> e.getValue().usec()).reversed()
                .thenComparing(Map.Entry::getKey));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("messages", messages);
        out.put("calls", calls);
        if (cpu >= 0) {
            out.put("cpuSeconds", cpu);
        }
        if (messages > 0) {
            out.put("callsPerMessage", (double) calls / messages);
            if (cpu >= 0) {
                out.put("cpuMicrosPerMessage", cpu * 1e6 / messages);
            }
        }
        List<Map<String, Object>> commands = new ArrayList<>();
        for (Map.Entry<String, Stat> e : ran.subList(0, Math.min(top, ran.size()))) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("command", e.getKey());
            c.put("calls", e.getValue().calls());
            c.put("usec", e.getValue().usec());
            if (messages > 0) {
                c.put("callsPerMessage", (double) e.getValue().calls() / messages);
            }
            commands.add(c);
        }
        out.put("top", commands);
        return out;
    }

    /** The console line: totals per message and the commands that took most of Redis's time. */
    static String line(Map<String, Object> window) {
        if (window.isEmpty() || !window.containsKey("callsPerMessage")) {
            return "";
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "Redis over the measured window: %d commands for %d chat messages = %.1f per message",
                (Long) window.get("calls"), (Long) window.get("messages"), (Double) window.get("callsPerMessage")));
        if (window.get("cpuMicrosPerMessage") instanceof Double micros) {
            b.append(String.format(Locale.ROOT, "; Redis CPU %.1f s = %.0f µs per message", (Double) window.get("cpuSeconds"),
                    micros));
        }
        b.append("; most time (a script's includes the commands it ran, listed too):");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> top = (List<Map<String, Object>>) window.get("top");
        for (Map<String, Object> c : top) {
            b.append(String.format(Locale.ROOT, " %s %.2f/msg %.1f s;", c.get("command"), (Double) c.get("callsPerMessage"),
                    (Long) c.get("usec") / 1e6));
        }
        return b.append(String.format("%n")).toString();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }
}
