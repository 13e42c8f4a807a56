package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

class ViewerTest {

    @Test
    void supervisorsAdminsAndPlatformsSeeAllAgentsTheirOwn() {
        for (String role : Set.of("supervisor", "admin", "platform")) {
            assertThat(Viewer.of(Set.of(role), "x").seesAll()).isTrue();
            assertThat(Viewer.of(Set.of(role, "agent"), "x").restrictedTo()).isNull();
        }
        Viewer agent = Viewer.of(Set.of("agent"), "ag-7");
        assertThat(agent.seesAll()).isFalse();
        assertThat(agent.restrictedTo()).isEqualTo("ag-7");
    }
}
