package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ChatStateTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    private static ChatEvent.Requested requested() {
        return new ChatEvent.Requested("c1", "default", new Visitor("Anna", "a@example.com", "ru", "c-42"),
                Map.of("topic", "billing"), "I was charged twice", "general", T0);
    }

    @Test
    void lifecycleMovesThroughTheStatuses() {
        ChatState s = ChatState.placeholder("c1").apply(requested());
        assertThat(s.status()).isEqualTo(ChatStatus.REQUESTED);
        assertThat(s.placeholder()).isFalse();
        assertThat(s.queueId()).isEqualTo("general");

        s.apply(new ChatEvent.Queued("c1", "billing-ru", "ru-billing", Map.of("lang:ru", 1), 1, T0.plusSeconds(1), null, null));
        assertThat(s.status()).isEqualTo(ChatStatus.QUEUED);
        assertThat(s.queueId()).isEqualTo("billing-ru");
        assertThat(s.ruleId()).isEqualTo("ru-billing");

        s.apply(new ChatEvent.Assigned("c1", "ag-1", "billing-ru", "o1", T0.plusSeconds(5),
                new AgentRef("ag-1", "Boris", null, null)));
        assertThat(s.status()).isEqualTo(ChatStatus.ACTIVE);
        assertThat(s.agentId()).isEqualTo("ag-1");
        assertThat(s.assignedAt()).isEqualTo(T0.plusSeconds(5));

        s.apply(new ChatEvent.Closed("c1", "agent", "ag-1", T0.plusSeconds(60)));
        assertThat(s.status()).isEqualTo(ChatStatus.CLOSED);
        assertThat(s.closedBy()).isEqualTo("agent");
        assertThat(s.closedAt()).isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void statusNeverMovesBackwardsWhenEventsArriveOutOfOrder() {
        ChatState s = ChatState.placeholder("c1")
                .apply(new ChatEvent.Closed("c1", "visitor", null, T0.plusSeconds(60)))
                .apply(new ChatEvent.Assigned("c1", "ag-1", "q", "o", T0.plusSeconds(5), new AgentRef("ag-1", null, null, null)))
                .apply(requested());
        assertThat(s.status()).isEqualTo(ChatStatus.CLOSED);
        assertThat(s.agentId()).isEqualTo("ag-1");
        assertThat(s.assignedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(s.requestedAt()).isEqualTo(T0);
        // routing's queue (from chat.assigned) wins over the one session evaluated at creation
        assertThat(s.queueId()).isEqualTo("q");
    }

    @Test
    void aMessageForAnUnknownChatLeavesAPlaceholderThatRequestedFillsIn() {
        ChatState s = ChatState.placeholder("c1").apply(new ChatEvent.MessagePosted("c1", 1, "m1", null, "visitor",
                null, "hi", "en", T0));
        assertThat(s.placeholder()).isTrue();
        assertThat(s.status()).isEqualTo(ChatStatus.UNKNOWN);

        s.apply(requested());
        assertThat(s.placeholder()).isFalse();
        assertThat(s.visitor().customerId()).isEqualTo("c-42");
        assertThat(s.form()).containsEntry("topic", "billing");
    }

    @Test
    void anEventOfAnotherChatIsRefused() {
        assertThatThrownBy(() -> ChatState.placeholder("c1").apply(new ChatEvent.Closed("c2", "agent", null, T0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void advanceToKeepsTheLaterStatus() {
        assertThat(ChatStatus.ACTIVE.advanceTo(ChatStatus.QUEUED)).isEqualTo(ChatStatus.ACTIVE);
        assertThat(ChatStatus.QUEUED.advanceTo(ChatStatus.CLOSED)).isEqualTo(ChatStatus.CLOSED);
    }
}
