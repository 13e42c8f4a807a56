package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RedisCommandStatsTest {

    private static final String BEFORE = """
            # Server\r
            redis_version:7.0.15\r
            run_id:aaaa\r
            # CPU\r
            used_cpu_sys:1.500000\r
            used_cpu_user:2.500000\r
            used_cpu_sys_children:9.000000\r
            # Commandstats\r
            cmdstat_evalsha:calls=100,usec=5000,usec_per_call=50.00,rejected_calls=0,failed_calls=1\r
            cmdstat_xadd:calls=10,usec=100,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r
            cmdstat_client|setname:calls=2,usec=4,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r
            """;
    private static final String AFTER = """
            # Server\r
            run_id:aaaa\r
            # CPU\r
            used_cpu_sys:2.000000\r
            used_cpu_user:4.000000\r
            # Commandstats\r
            cmdstat_evalsha:calls=400,usec=20000,usec_per_call=50.00,rejected_calls=0,failed_calls=1\r
            cmdstat_xadd:calls=110,usec=1100,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r
            cmdstat_client|setname:calls=2,usec=4,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r
            cmdstat_xdel:calls=50,usec=2000,usec_per_call=40.00,rejected_calls=0,failed_calls=0\r
            """;

    @Test
    void readsTheRunIdTheCpuAndEveryCommandsCallsAndTime() {
        RedisCommandStats.Reading r = RedisCommandStats.parse(BEFORE);
        assertThat(r.runId()).isEqualTo("aaaa");
        assertThat(r.cpuSeconds()).isEqualTo(4.0); // user + sys of the server, not of its children
        assertThat(r.commands()).containsOnlyKeys("evalsha", "xadd", "client|setname");
        assertThat(r.commands().get("evalsha")).isEqualTo(new RedisCommandStats.Stat(100, 5000));
    }

    @Test
    void theWindowIsWhatRanBetweenTheReadingsPerMessage() {
        Map<String, Object> w = RedisCommandStats.window(RedisCommandStats.parse(BEFORE), RedisCommandStats.parse(AFTER), 50, 2);
        assertThat(w).containsEntry("calls", 450L).containsEntry("messages", 50L).containsEntry("cpuSeconds", 2.0);
        assertThat((Double) w.get("callsPerMessage")).isEqualTo(9.0);
        // Redis's CPU, not the sum of the commands' times (a script's time includes the commands it ran)
        assertThat((Double) w.get("cpuMicrosPerMessage")).isEqualTo(40000.0);
        // most time first, a command that did not run is left out, the list cut at two
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> top = (List<Map<String, Object>>) w.get("top");
        assertThat(top).extracting(c -> c.get("command")).containsExactly("evalsha", "xdel");
        assertThat(top.get(1)).containsEntry("calls", 50L).containsEntry("callsPerMessage", 1.0);
        assertThat(RedisCommandStats.line(w)).contains("450 commands for 50 chat messages = 9.0 per message")
                .contains("Redis CPU 2.0 s = 40000 µs per message").contains("evalsha 6.00/msg 0.0 s;").contains("xdel 1.00/msg");
    }

    @Test
    void aRestartOrAMissingReadingGivesNoFigure() {
        // Redis restarted in the window (a --kill): another run id, even when every counter is higher than at the start
        String restarted = AFTER.replace("run_id:aaaa", "run_id:bbbb");
        assertThat(RedisCommandStats.window(RedisCommandStats.parse(BEFORE), RedisCommandStats.parse(restarted), 50, 8)).isEmpty();
        // counters reset without a restart (CONFIG RESETSTAT): smaller than at the start
        assertThat(RedisCommandStats.window(RedisCommandStats.parse(AFTER), RedisCommandStats.parse(BEFORE), 50, 8)).isEmpty();
        assertThat(RedisCommandStats.window(RedisCommandStats.Reading.NONE, RedisCommandStats.parse(AFTER), 50, 8)).isEmpty();
        assertThat(RedisCommandStats.line(Map.of())).isEmpty();
    }
}
