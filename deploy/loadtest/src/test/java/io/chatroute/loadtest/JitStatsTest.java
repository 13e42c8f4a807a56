package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JitStatsTest {

    @Test
    void readsTheCountersOfARunningJvm() {
        // this test's own JVM has compiled methods by now, and HotSpot keeps its counters on by default
        JitStats.Reading own = JitStats.read(ProcessHandle.current().pid());
        assertThat(own.present()).isTrue();
        assertThat(own.compiles()).isPositive();
        assertThat(own.compileSeconds()).isPositive();
        assertThat(JitStats.read(Long.MAX_VALUE)).isEqualTo(JitStats.Reading.NONE); // no such process
    }

    @Test
    void parsesTheBufferFormatInEitherByteOrder() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            ByteBuffer b = buffer(order, Map.of("sun.ci.totalCompiles", 1234L, "java.ci.totalTime", 2_500_000_000L,
                    "sun.os.hrt.frequency", 1_000_000_000L, "sun.gc.collector.0.invocations", 7L));
            JitStats.Reading r = JitStats.parse(b);
            assertThat(r.compiles()).isEqualTo(1234);
            assertThat(r.compileSeconds()).isEqualTo(2.5);
        }
        assertThat(JitStats.parse(ByteBuffer.allocate(64))).isEqualTo(JitStats.Reading.NONE); // no magic
        ByteBuffer whole = buffer(ByteOrder.LITTLE_ENDIAN, Map.of("sun.ci.totalCompiles", 1234L, "java.ci.totalTime", 5L,
                "sun.os.hrt.frequency", 1L));
        for (int cut : new int[] {40, 60, 100}) { // a file cut short mid-entry: no figure, no exception
            assertThat(JitStats.parse(ByteBuffer.wrap(Arrays.copyOf(whole.array(), cut))))
                    .isEqualTo(JitStats.Reading.NONE);
        }
        ByteBuffer corrupt = buffer(ByteOrder.LITTLE_ENDIAN, Map.of("sun.ci.totalCompiles", 1234L));
        corrupt.putInt(32 + 16, 4000); // its data offset points past the entry
        assertThat(JitStats.parse(corrupt)).isEqualTo(JitStats.Reading.NONE);
        assertThat(JitStats.parse(buffer(ByteOrder.LITTLE_ENDIAN, Map.of("sun.ci.totalCompiles", 5L))))
                .isEqualTo(JitStats.Reading.NONE); // no compile time or clock: no figure
    }

    @Test
    void theWindowIsTheDifferenceOfJvmsReadTwice() {
        Map<String, JitStats.Reading> start = new LinkedHashMap<>();
        start.put("session-service", new JitStats.Reading(15_000, 200.0));
        start.put("redis", JitStats.Reading.NONE);
        start.put("routing-service", new JitStats.Reading(13_000, 150.0));
        Map<String, JitStats.Reading> end = new LinkedHashMap<>();
        end.put("session-service", new JitStats.Reading(15_245, 207.5));
        end.put("redis", JitStats.Reading.NONE);
        end.put("routing-service", new JitStats.Reading(10, 1.0)); // restarted in between: counters began again
        Map<String, Object> w = JitStats.window(start, end);
        assertThat(w).containsOnlyKeys("session-service");
        assertThat(w.get("session-service")).isEqualTo(Map.of("compiles", 245L, "seconds", 7.5));
        assertThat(JitStats.line(w, 120)).startsWith("JIT over the measured window").contains("session-service 245 compilations, 7.5 s")
                .contains("(window 120 s)");
        assertThat(JitStats.line(Map.of(), 120)).isEmpty();
    }

    /** A performance-counter buffer as HotSpot lays it out (format 2), with long counters. */
    private static ByteBuffer buffer(ByteOrder order, Map<String, Long> counters) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0, 0xcafec0c0);
        b.put(4, (byte) (order == ByteOrder.LITTLE_ENDIAN ? 1 : 0));
        b.put(5, (byte) 2);
        b.order(order);
        b.putInt(24, 32);
        b.putInt(28, counters.size());
        int at = 32;
        for (Map.Entry<String, Long> c : counters.entrySet()) {
            byte[] name = c.getKey().getBytes(StandardCharsets.US_ASCII);
            int nameOffset = 20;
            int dataOffset = (nameOffset + name.length + 1 + 7) / 8 * 8;
            int length = dataOffset + 8;
            b.putInt(at, length);
            b.putInt(at + 4, nameOffset);
            b.putInt(at + 8, 0);
            b.put(at + 12, (byte) 'J');
            b.putInt(at + 16, dataOffset);
            b.put(at + nameOffset, name);
            b.putLong(at + dataOffset, c.getValue());
            at += length;
        }
        return b;
    }
}
