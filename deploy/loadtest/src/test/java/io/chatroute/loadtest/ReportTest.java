package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

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
}
