package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class TargetTest {
    @Test
    void theIdIsStableWhateverTheMapOrder() {
        Map<String, Integer> a = new java.util.LinkedHashMap<>();
        a.put("lang:ru", 1);
        a.put("billing", 2);
        Map<String, Integer> b = new TreeMap<>(a);
        assertThat(new Target("q", a).id()).isEqualTo(new Target("q", b).id()).startsWith("q~");
        assertThat(new Target("q", Map.of("billing", 3)).id()).isNotEqualTo(new Target("q", Map.of("billing", 2)).id());
        assertThat(new Target("p", Map.of()).id()).isNotEqualTo(new Target("q", Map.of()).id());
    }

    @Test
    void servedByAndScore() {
        Target t = new Target("q", Map.of("billing", 2, "lang:ru", 1));
        assertThat(t.servedBy(Map.of("billing", 5, "lang:ru", 1))).isTrue();
        assertThat(t.servedBy(Map.of("billing", 5))).isFalse();
        assertThat(t.skillScore(Map.of("billing", 5, "lang:ru", 3, "other", 9))).isEqualTo(8);
    }
}
