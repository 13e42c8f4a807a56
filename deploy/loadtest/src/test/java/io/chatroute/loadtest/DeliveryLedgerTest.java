package io.chatroute.loadtest;

import static io.chatroute.loadtest.DeliveryLedger.Outcome.DELIVERED;
import static io.chatroute.loadtest.DeliveryLedger.Outcome.DUPLICATE;
import static io.chatroute.loadtest.DeliveryLedger.Outcome.REORDERED;
import static io.chatroute.loadtest.DeliveryLedger.Outcome.RESENT;
import static io.chatroute.loadtest.DeliveryLedger.Outcome.UNKNOWN;
import static io.chatroute.loadtest.DeliveryLedger.Side.AGENT;
import static io.chatroute.loadtest.DeliveryLedger.Side.VISITOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class DeliveryLedgerTest {

    private final DeliveryLedger ledger = new DeliveryLedger();

    @Test
    void aMessageSentAgainAboveTheSeqAReconnectResumedAfterIsResentNotDuplicated() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("v2", "chat", VISITOR, 0, false);
        ledger.sent("v3", "chat", VISITOR, 0, false);
        ledger.acked("v1", 2);
        ledger.acked("v2", 3);
        ledger.acked("v3", 4);
        assertThat(ledger.received("agent:a#1", "chat", 2, "v1", 1)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a#1", "chat", 4, "v3", 2)).isEqualTo(DELIVERED);
        // the socket died holding 2 and 4 but not 3: the next one resumes after 2, so 3 comes, and 4 again
        assertThat(ledger.received("agent:a#2", "chat", 3, "v2", 3, 2)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a#2", "chat", 4, "v3", 4, 2)).isEqualTo(RESENT);
        // the same message again on that connection is a duplicate
        assertThat(ledger.received("agent:a#2", "chat", 4, "v3", 5, 2)).isEqualTo(DUPLICATE);
        // at or below the seq a connection resumed after, or on one that did not resume, it is a duplicate
        assertThat(ledger.received("agent:a#3", "chat", 2, "v1", 6, 2)).isEqualTo(DUPLICATE);
        assertThat(ledger.received("agent:a#4", "chat", 3, "v2", 7)).isEqualTo(DUPLICATE);

        DeliveryLedger.Counts c = ledger.counts();
        assertThat(ledger.resent()).isEqualTo(1);
        assertThat(c.duplicates()).isEqualTo(3);
        assertThat(c.lost()).isZero();
        assertThat(c.delivered()).isEqualTo(3);
        assertThat(c.reordered()).isZero();
    }

    @Test
    void aResumedConnectionThatGoesBackIsReordered() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("v2", "chat", VISITOR, 0, false);
        ledger.acked("v1", 2);
        ledger.acked("v2", 3);
        assertThat(ledger.received("agent:a#1", "chat", 2, "v1", 1)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a#2", "chat", 3, "v2", 2, 1)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a#2", "chat", 2, "v1", 3, 1)).isEqualTo(RESENT);
        assertThat(ledger.counts().reordered()).isEqualTo(1);
    }

    @Test
    void unansweredAreTheMessagesOfOneSideNeitherAckedNorRefused() {
        ledger.sent("v0", "chat", VISITOR, 0, true);
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("v2", "chat", VISITOR, 0, false);
        ledger.sent("v3", "chat", VISITOR, 0, false);
        ledger.sent("a1", "chat", AGENT, 0, false);
        ledger.acked("v1", 2);
        ledger.refused("v2", "chat-closed");
        assertThat(ledger.unanswered(List.of("v0", "v1", "v2", "v3", "a1"), VISITOR)).containsExactly("v3");
        assertThat(ledger.unanswered(List.of("v0", "v1", "v2", "v3", "a1"), AGENT)).containsExactly("a1");
    }

    @Test
    void anAckedMessageNeverDeliveredIsLost() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("v2", "chat", VISITOR, 0, false);
        ledger.acked("v1", 2);
        ledger.acked("v2", 3);
        assertThat(ledger.received("agent:a", "chat", 2, "v1", 10)).isEqualTo(DELIVERED);

        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.lost()).isEqualTo(1);
        assertThat(c.delivered()).isEqualTo(1);
        assertThat(ledger.ackedUndelivered()).isEqualTo(1);
        assertThat(ledger.lost(10)).extracting(m -> m.key).containsExactly("v2");
    }

    @Test
    void aDeliveryBeforeItsAckIsNotLost() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        assertThat(ledger.received("agent:a", "chat", 2, "v1", 5)).isEqualTo(DELIVERED);
        assertThat(ledger.ackedUndelivered()).isZero();
        ledger.acked("v1", 2);
        assertThat(ledger.ackedUndelivered()).isZero();
        assertThat(ledger.counts().lost()).isZero();
        assertThat(ledger.counts().seqMismatches()).isZero();
    }

    @Test
    void anUnackedMessageIsNeitherLostNorDelivered() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.lost()).isZero();
        assertThat(c.unacked()).isEqualTo(1);
    }

    @Test
    void aMessageRefusedByAnErrorNamingItIsNeitherUnackedNorLost() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("v2", "chat", VISITOR, 0, false);
        ledger.acked("v1", 1);
        assertThat(ledger.answered(java.util.List.of("v1", "v2"))).isFalse();
        ledger.refused("v2", "chat-closed");
        assertThat(ledger.answered(java.util.List.of("v1", "v2"))).isTrue();
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.refused()).isEqualTo(1);
        assertThat(c.unacked()).isZero();
        assertThat(c.acked()).isEqualTo(1);
        assertThat(c.lost()).isEqualTo(1); // v1 acked and not delivered
        assertThat(c.refusedButStored()).isZero();
    }

    @Test
    void aRefusalContradictedByAnAckOrADeliveryIsCountedOnceAndNotHiddenAsRefused() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("v2", "chat", VISITOR, 0, false);
        ledger.sent("v3", "chat", VISITOR, 0, false);
        ledger.acked("v1", 1);
        ledger.refused("v1", "chat-closed"); // refused after its ack
        ledger.refused("v2", "chat-closed");
        ledger.acked("v2", 2); // acked after its refusal
        assertThat(ledger.received("agent:a", "chat", 2, "v2", 5)).isEqualTo(DELIVERED); // and delivered: still one
        ledger.refused("v3", "chat-closed");
        assertThat(ledger.received("agent:a", "chat", 3, "v3", 6)).isEqualTo(DELIVERED); // delivered, never acked
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.refusedButStored()).isEqualTo(3);
        assertThat(c.refused()).isZero();
        assertThat(c.unacked()).isZero();
    }

    @Test
    void theSameSeqTwiceOnOneConnectionIsADuplicate() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.acked("v1", 2);
        assertThat(ledger.received("agent:a", "chat", 2, "v1", 1)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a", "chat", 2, "v1", 2)).isEqualTo(DUPLICATE);
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.duplicates()).isEqualTo(1);
        assertThat(c.delivered()).isEqualTo(1);
        assertThat(c.reordered()).isZero();
        assertThat(ledger.counts(VISITOR).duplicates()).isEqualTo(1);
        assertThat(ledger.counts(AGENT).duplicates()).isZero();
    }

    @Test
    void theSameSeqOnTwoChatsOrTwoConnectionsIsNotADuplicate() {
        ledger.sent("a1", "chat-1", VISITOR, 0, false);
        ledger.sent("b1", "chat-2", VISITOR, 0, false);
        assertThat(ledger.received("agent:a", "chat-1", 2, "a1", 1)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a", "chat-2", 2, "b1", 1)).isEqualTo(DELIVERED);
        assertThat(ledger.counts().duplicates()).isZero();
    }

    @Test
    void aMessageDeliveredAgainUnderAnotherSeqIsADuplicate() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.acked("v1", 2);
        ledger.received("agent:a", "chat", 2, "v1", 1);
        assertThat(ledger.received("agent:a", "chat", 5, "v1", 2)).isEqualTo(DUPLICATE);
        assertThat(ledger.counts().duplicates()).isEqualTo(1);
    }

    @Test
    void aLowerSeqAfterAHigherOneIsReordered() {
        for (int i = 1; i <= 3; i++) {
            ledger.sent("v" + i, "chat", VISITOR, 0, false);
            ledger.acked("v" + i, i + 1);
        }
        assertThat(ledger.received("agent:a", "chat", 2, "v1", 1)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a", "chat", 4, "v3", 2)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a", "chat", 3, "v2", 3)).isEqualTo(REORDERED);
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.reordered()).isEqualTo(1);
        assertThat(c.delivered()).as("a reordered message still arrived").isEqualTo(3);
        assertThat(c.lost()).isZero();
    }

    @Test
    void theBacklogAfterAssignmentCountsAsDeliveryInOrder() {
        // the first message comes with the POST (seq 1, no ack frame), two more over the socket before assignment
        ledger.sent("m0", "chat", VISITOR, 0, true);
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("v2", "chat", VISITOR, 0, false);
        ledger.acked("v1", 2);
        ledger.acked("v2", 3);
        assertThat(ledger.ackedUndelivered()).isEqualTo(2);
        // after chat.assigned: the backlog 1, 2, 3, then live 4
        ledger.sent("v3", "chat", VISITOR, 0, false);
        assertThat(ledger.received("agent:a", "chat", 1, "m0", 1)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a", "chat", 2, "v1", 2)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a", "chat", 3, "v2", 3)).isEqualTo(DELIVERED);
        assertThat(ledger.received("agent:a", "chat", 4, "v3", 4)).isEqualTo(DELIVERED);
        ledger.acked("v3", 4);
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.lost()).isZero();
        assertThat(c.duplicates()).isZero();
        assertThat(c.reordered()).isZero();
        assertThat(c.sent()).as("socket messages only").isEqualTo(3);
        assertThat(c.postMessages()).isEqualTo(1);
        assertThat(c.postDelivered()).isEqualTo(1);
    }

    @Test
    void aPostMessageNeverDeliveredIsNotCountedLost() {
        ledger.sent("m0", "chat", VISITOR, 0, true);
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.lost()).isZero();
        assertThat(c.postMessages()).isEqualTo(1);
        assertThat(c.postDelivered()).isZero();
        assertThat(ledger.allDelivered(List.of("m0"))).isTrue();
    }

    @Test
    void aBacklogReplayedAfterLiveMessagesIsReorderedAndDuplicated() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("v2", "chat", VISITOR, 0, false);
        ledger.acked("v1", 2);
        ledger.acked("v2", 3);
        ledger.received("agent:a", "chat", 3, "v2", 1);          // live first
        assertThat(ledger.received("agent:a", "chat", 2, "v1", 2)).isEqualTo(REORDERED); // backlog after it
        assertThat(ledger.received("agent:a", "chat", 3, "v2", 3)).isEqualTo(DUPLICATE);  // and the live one again
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.reordered()).isEqualTo(1);
        assertThat(c.duplicates()).isEqualTo(1);
        assertThat(c.lost()).isZero();
    }

    @Test
    void aDeliveryUnderAnotherSeqThanItsAckIsAMismatch() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.acked("v1", 2);
        ledger.received("agent:a", "chat", 7, "v1", 1);
        assertThat(ledger.counts().seqMismatches()).isEqualTo(1);
    }

    @Test
    void countsAreSplitBySender() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        ledger.sent("a1", "chat", AGENT, 0, false);
        ledger.acked("v1", 2);
        ledger.acked("a1", 3);
        ledger.received("visitor:chat", "chat", 3, "a1", 1);
        assertThat(ledger.counts(VISITOR).lost()).isEqualTo(1);
        assertThat(ledger.counts(AGENT).lost()).isZero();
        assertThat(ledger.counts(AGENT).delivered()).isEqualTo(1);
        assertThat(ledger.allDelivered(List.of("a1"))).isTrue();
        assertThat(ledger.allDelivered(List.of("a1", "v1"))).isFalse();
    }

    @Test
    void foreignMessagesAreCountedApart() {
        assertThat(ledger.received("agent:a", "chat", 1, null, 1)).isEqualTo(UNKNOWN);
        assertThat(ledger.received("agent:a", "chat", 1, "nope", 1)).isEqualTo(DUPLICATE);
        DeliveryLedger.Counts c = ledger.counts();
        assertThat(c.unknownDeliveries()).isEqualTo(2);
        assertThat(c.delivered()).isZero();
        assertThat(ledger.acked("nope", 1)).isNull();
    }

    @Test
    void aKeyCannotBeSentTwice() {
        ledger.sent("v1", "chat", VISITOR, 0, false);
        assertThatThrownBy(() -> ledger.sent("v1", "chat", VISITOR, 0, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theKeyIsReadBackFromTheText() {
        assertThat(Simulation.keyOf("[lt c12-v3] Where is my refund?")).isEqualTo("c12-v3");
        assertThat(Simulation.keyOf("Hello")).isNull();
        assertThat(Simulation.keyOf(null)).isNull();
        assertThat(Simulation.keyOf("[lt broken")).isNull();
    }
}
