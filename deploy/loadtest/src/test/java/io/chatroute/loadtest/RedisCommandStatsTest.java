package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RedisCommandStatsTest {

    private static final String BEFORE = """
            # Commandstats\r
            cmdstat_evalsha:calls=100,usec=5000,usec_per_call=50.00,rejected_calls=0,failed_calls=1\r
            cmdstat_xadd:calls=10,usec=100,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r
            cmdstat_client|setname:calls=2,usec=4,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r
            """;
    private static final String AFTER = """
            # Commandstats\r
            cmdstat_evalsha:calls=400,usec=20000,usec_per_call=50.00,rejected_calls=0,failed_calls=1\r
            cmdstat_xadd:calls=110,usec=1100,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r
            cmdstat_client|setname:calls=2,usec=4,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r
            cmdstat_xdel:calls=50,usec=2000,usec_per_call=40.00,rejected_calls=0,failed_calls=0\r
            """;

    @Test
    void readsEveryCommandsCallsAndTime() {
        Map<String, RedisCommandStats.Stat> stats = RedisCommandStats.parse(BEFORE);
        assertThat(stats).containsOnlyKeys("evalsha", "xadd", "client|setname");
        assertThat(stats.get("evalsha")).isEqualTo(new RedisCommandStats.Stat(100, 5000));
    }

    @Test
    void theWindowIsWhatRanBetweenTheReadingsPerMessage() {
        Map<String, Object> w = RedisCommandStats.window(RedisCommandStats.parse(BEFORE), RedisCommandStats.parse(AFTER), 50, 2);
        assertThat(w).containsEntry("calls", 450L).containsEntry("usec", 18000L).containsEntry("messages", 50L);
        assertThat((Double) w.get("callsPerMessage")).isEqualTo(9.0);
        assertThat((Double) w.get("usecPerMessage")).isEqualTo(360.0);
        // most time first, a command that did not run is left out, the list cut at two
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> top = (List<Map<String, Object>>) w.get("top");
        assertThat(top).extracting(c -> c.get("command")).containsExactly("evalsha", "xdel");
        assertThat(top.get(1)).containsEntry("calls", 50L).containsEntry("callsPerMessage", 1.0);
        assertThat(RedisCommandStats.line(w)).contains("450 commands").contains("9.0 commands and 360 µs per message")
                .contains("evalsha 6.00/msg 0.0 s;").contains("xdel 1.00/msg");
    }

    @Test
    void countersThatStartedAgainGiveNoFigure() {
        // Redis restarted in the window (a --kill): its counters are smaller than at the start
        assertThat(RedisCommandStats.window(RedisCommandStats.parse(AFTER), RedisCommandStats.parse(BEFORE), 50, 8)).isEmpty();
        assertThat(RedisCommandStats.window(Map.of(), RedisCommandStats.parse(AFTER), 50, 8)).isEmpty();
        assertThat(RedisCommandStats.line(Map.of())).isEmpty();
    }
}
