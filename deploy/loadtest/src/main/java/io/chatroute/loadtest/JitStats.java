package io.chatroute.loadtest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a JVM's just-in-time compilers did, read from its performance counters ({@code /tmp/hsperfdata_<user>/<pid>},
 * the file {@code jstat} and {@code jcmd PerfCounter.print} read; no attach, no process started): the compilations (a
 * method compiled at two tiers, or again on a loop, counts each time) and the compilers' elapsed time (on a busy machine more than their CPU: a compiler thread waits for a core too).
 * Read at the measured window's start and end, it tells whether the window measured JVMs that were still compiling:
 * 3–4 minutes into the light run the services made 380–780 compilations each in the measured minute, 6–15 s of
 * compile time each (2026-12-08), CPU and latency that a warm process does not have.
 */
final class JitStats {

    /** A reading: compilations so far and the compilers' time in seconds; {@link #NONE} when there is none. */
    record Reading(long compiles, double compileSeconds) {
        static final Reading NONE = new Reading(-1, -1);

        boolean present() {
            return compiles >= 0;
        }
    }

    private static final int MAGIC = 0xcafec0c0;
    private static final int PROLOGUE_BYTES = 32;
    private static final int ENTRY_HEADER_BYTES = 20;

    private JitStats() {
    }

    /** The JVM's reading, or {@link Reading#NONE} (not a JVM, gone, or its counters are off). */
    static Reading read(long pid) {
        Path file = Path.of("/tmp", "hsperfdata_" + System.getProperty("user.name"), Long.toString(pid));
        try {
            return parse(ByteBuffer.wrap(Files.readAllBytes(file)));
        } catch (IOException | RuntimeException e) {
            return Reading.NONE;
        }
    }

    /**
     * Parses a performance-counter buffer (format 2: a 32-byte prologue, then entries each naming itself): the
     * counters {@code sun.ci.totalCompiles}, {@code java.ci.totalTime} and {@code sun.os.hrt.frequency}.
     */
    static Reading parse(ByteBuffer b) {
        b.order(ByteOrder.BIG_ENDIAN);
        if (b.remaining() < PROLOGUE_BYTES || b.getInt(0) != MAGIC) {
            return Reading.NONE;
        }
        b.order(b.get(4) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int entryOffset = b.getInt(24);
        int entries = b.getInt(28);
        if (entryOffset < PROLOGUE_BYTES || entries < 0) {
            return Reading.NONE;
        }
        Map<String, Long> longs = new LinkedHashMap<>();
        int at = entryOffset;
        for (int i = 0; i < entries && at + ENTRY_HEADER_BYTES <= b.limit(); i++) {
            int length = b.getInt(at);
            int nameOffset = b.getInt(at + 4);
            int vectorLength = b.getInt(at + 8);
            byte type = b.get(at + 12);
            int dataOffset = b.getInt(at + 16);
            if (length < ENTRY_HEADER_BYTES || length > b.limit() - at || nameOffset < ENTRY_HEADER_BYTES
                    || dataOffset <= nameOffset || dataOffset > length) {
                return Reading.NONE; // not the layout it should be: no figure rather than a made-up one
            }
            if (type == 'J' && vectorLength == 0 && dataOffset + 8 <= length) {
                String name = cString(b, at + nameOffset, at + dataOffset);
                if (name.equals("sun.ci.totalCompiles") || name.equals("java.ci.totalTime") || name.equals("sun.os.hrt.frequency")) {
                    longs.put(name, b.getLong(at + dataOffset));
                }
            }
            at += length;
        }
        Long compiles = longs.get("sun.ci.totalCompiles");
        Long ticks = longs.get("java.ci.totalTime");
        Long frequency = longs.get("sun.os.hrt.frequency");
        if (compiles == null || ticks == null || frequency == null || frequency <= 0) {
            return Reading.NONE;
        }
        return new Reading(compiles, ticks / (double) frequency);
    }

    private static String cString(ByteBuffer b, int at, int limit) {
        int end = at;
        while (end < limit && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /**
     * Per process, what was compiled between two readings: {@code {"compiles": n, "seconds": s}}; processes without
     * both readings (not JVMs, restarted) are left out.
     */
    static Map<String, Object> window(Map<String, Reading> start, Map<String, Reading> end) {
        Map<String, Object> out = new LinkedHashMap<>();
        start.forEach((name, then) -> {
            Reading now = end.get(name);
            if (then.present() && now != null && now.present() && now.compiles() >= then.compiles()) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("compiles", now.compiles() - then.compiles());
                one.put("seconds", Math.max(0, now.compileSeconds() - then.compileSeconds()));
                out.put(name, one);
            }
        });
        return out;
    }

    /** The report's line, empty without readings. */
    static String line(Map<String, Object> window, double windowSeconds) {
        if (window.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("JIT over the measured window (compilations, compile time elapsed: at most the compilers' CPU; "
                + "a JVM still compiling spends CPU a warm one does not): ");
        window.forEach((name, v) -> {
            Map<?, ?> one = (Map<?, ?>) v;
            b.append(String.format(Locale.ROOT, "%s %d compilations, %.1f s; ", name, ((Number) one.get("compiles")).longValue(),
                    ((Number) one.get("seconds")).doubleValue()));
        });
        b.append(String.format(Locale.ROOT, "(window %.0f s)%n", windowSeconds));
        return b.toString();
    }
}
