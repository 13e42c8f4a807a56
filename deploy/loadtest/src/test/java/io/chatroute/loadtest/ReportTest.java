package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void thePageIsSelfContained() throws Exception {
        String html = Report.html("{\"run\":{\"note\":\"</script><b>x</b>\"}}");
        assertThat(html).contains("Chart.js v4"); // the library itself, inlined
        assertThat(html).doesNotContain("<script src").doesNotContain("/*CHART_JS*/").doesNotContain("/*DATA*/");
        assertThat(html).doesNotContainPattern("(href|src)=\"https?:");
        // the data cannot close the script element
        assertThat(html).contains("<\\/script><b>x<\\/b>");
        assertThat(html).contains("const DATA = {\"run\"");
    }

    @Test
    void theCpuLineGivesTheCostPerMessageOnlyWhenEveryProcessWasCounted() {
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("windowSeconds", 60.0);
        cpu.put("cores", 2);
        cpu.put("messages", 4000L);
        cpu.put("seconds", new LinkedHashMap<>(Map.of("session-service", 20.0, "redis", 4.0)));
        assertThat(Report.cpuLine(cpu)).contains("total 24.0 s = 20 % of the machine, 6.0 ms per chat message sent (4000)");
        // a service restarted by --kill is not counted: no per-message figure from part of the system
        cpu.put("notCounted", List.of("redis"));
        assertThat(Report.cpuLine(cpu)).doesNotContain("per chat message").contains("not counted: redis");
        // without --start only the load tool is measured: not the system's cost per message
        cpu.remove("notCounted");
        cpu.put("seconds", new LinkedHashMap<>(Map.of("load tool", 5.0)));
        assertThat(Report.cpuLine(cpu)).doesNotContain("per chat message").contains("load tool 5.0");
    }
}
