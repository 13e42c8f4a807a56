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
 * Redis's own count of the commands it ran over the measured window ({@code INFO commandstats}, read at the window's
 * start and end): the work the services ask of Redis per chat message. A count, not a timing, so two builds compare
 * by it even when the machine's noise blurs their latencies. Commands a script runs are counted too (a script's
 * {@code evalsha} and each command inside it).
 */
final class RedisCommandStats {

    /** One command's calls and the microseconds Redis spent in them. */
    record Stat(long calls, long usec) {
    }

    private RedisCommandStats() {
    }

    /** The counters now, by command name ({@code evalsha}, {@code xadd}...); empty when Redis cannot be read. */
    static Map<String, Stat> readQuietly(String redisUrl) {
        try {
            URI uri = URI.create(redisUrl);
            return read(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379);
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
    }

    static Map<String, Stat> read(String host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n".getBytes(StandardCharsets.US_ASCII));
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

    /** Parses {@code cmdstat_<name>:calls=N,usec=N,...} lines; other lines are left out. */
    static Map<String, Stat> parse(String info) {
        Map<String, Stat> out = new TreeMap<>();
        for (String line : info.split("\r?\n")) {
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
        return out;
    }

    /**
     * What ran between two readings, per chat message sent in that time (visitor and agent): the totals and the
     * commands that took most of Redis's time. Empty when a reading is missing or Redis restarted in between (its
     * counters started again from zero).
     */
    static Map<String, Object> window(Map<String, Stat> before, Map<String, Stat> after, long messages, int top) {
        if (before.isEmpty() || after.isEmpty()) {
            return Map.of();
        }
        List<Map.Entry<String, Stat>> ran = new ArrayList<>();
        long calls = 0;
        long usec = 0;
        for (Map.Entry<String, Stat> e : after.entrySet()) {
            Stat then = before.getOrDefault(e.getKey(), new Stat(0, 0));
            Stat d = new Stat(e.getValue().calls() - then.calls(), e.getValue().usec() - then.usec());
            if (d.calls() < 0 || d.usec() < 0) {
                return Map.of(); // the counters were reset (a restart, CONFIG RESETSTAT): no figure for this window
            }
            if (d.calls() > 0) {
                ran.add(Map.entry(e.getKey(), d));
                calls += d.calls();
                usec += d.usec();
            }
        }
        ran.sort(Comparator.comparingLong((Map.Entry<String, Stat> e) -> e.getValue().usec()).reversed()
                .thenComparing(Map.Entry::getKey));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("messages", messages);
        out.put("calls", calls);
        out.put("usec", usec);
        if (messages > 0) {
            out.put("callsPerMessage", (double) calls / messages);
            out.put("usecPerMessage", (double) usec / messages);
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
                "Redis over the measured window: %d commands, %.1f s inside Redis, for %d chat messages = %.1f commands and "
                        + "%.0f µs per message; most time:", (Long) window.get("calls"), (Long) window.get("usec") / 1e6,
                (Long) window.get("messages"), (Double) window.get("callsPerMessage"), (Double) window.get("usecPerMessage")));
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
