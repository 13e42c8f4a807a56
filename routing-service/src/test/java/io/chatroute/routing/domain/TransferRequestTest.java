package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TransferRequestTest {
    static TransferRequest r(String from, String queue, String agent, String note) {
        return new TransferRequest("c", "r", from, queue, agent, note, "someone");
    }

    @Test
    void exactlyOneTarget() {
        assertThat(r("a", "q", null, null).malformed()).isNull();
        assertThat(r("a", null, "b", "why").malformed()).isNull();
        assertThat(r("a", "q", "b", null).malformed()).isEqualTo("invalid-target");
        assertThat(r("a", null, null, null).malformed()).isEqualTo("invalid-target");
        assertThat(r("a", " ", "", null).malformed()).isEqualTo("invalid-target");
    }

    @Test
    void otherReasons() {
        assertThat(r(null, "q", null, null).malformed()).isEqualTo("invalid-request");
        assertThat(r("a", null, "a", null).malformed()).isEqualTo("same-agent");
        assertThat(r("a", "q", null, "x".repeat(501)).malformed()).isEqualTo("note-too-long");
        assertThat(r("a", "q", null, "x".repeat(500)).malformed()).isNull();
        assertThat(r("a", null, "b", null).toAgent()).isTrue();
    }
}
