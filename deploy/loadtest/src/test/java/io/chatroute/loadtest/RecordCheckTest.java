package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RecordCheckTest {

    private static RecordCheck.Expected want(String key, long seq) {
        return new RecordCheck.Expected(key, "c1", seq, false);
    }

    private static RecordCheck.Stored stored(long seq, String key) {
        return new RecordCheck.Stored(seq, key);
    }

    @Test
    void aCompleteTranscriptInSeqOrderPasses() {
        Map<String, List<RecordCheck.Expected>> expected = Map.of("c1", List.of(want("k1", 1), want("k2", 2),
                new RecordCheck.Expected("k9", "c1", -1, true)));
        // a message not sent by the tool (a bot's, a system line) has no key and is not counted
        RecordCheck.Result r = RecordCheck.check(expected, Map.of("c1", List.of(stored(1, "k1"), stored(2, "k2"), stored(3, null))),
                Map.of());

        assertThat(r.ok()).as(r.summary()).isTrue();
        assertThat(r.expected()).isEqualTo(2);
        assertThat(r.found()).isEqualTo(2);
    }

    @Test
    void countsWhatIsMissingDoubledMisplacedOrRefusedButRecorded() {
        Map<String, List<RecordCheck.Expected>> expected = new LinkedHashMap<>();
        expected.put("c2", List.of(new RecordCheck.Expected("k5", "c2", 1, false)));
        expected.put("c1", List.of(want("k1", 1), want("k2", 2), want("k3", 3), new RecordCheck.Expected("k4", "c1", -1, true),
                want("k6", 5)));
        Map<String, List<RecordCheck.Stored>> transcripts = new HashMap<>();
        transcripts.put("c1", List.of(stored(1, "k1"), stored(3, "k3"), stored(2, "k1"), stored(4, "k4"), stored(6, "k6")));
        // c2's transcript could not be read

        RecordCheck.Result r = RecordCheck.check(expected, transcripts, Map.of("c2", "HTTP 404"));

        assertThat(r.ok()).isFalse();
        assertThat(r.chats()).isEqualTo(2);
        assertThat(r.unreadable()).isEqualTo(1);
        assertThat(r.expected()).isEqualTo(5);
        assertThat(r.found()).isEqualTo(3);
        assertThat(r.seqMismatches()).as("k6 acknowledged as seq 5, recorded as 6").isEqualTo(1);
        assertThat(r.missing()).as("k2").isEqualTo(1);
        assertThat(r.doubled()).as("k1 at seq 1 and 2").isEqualTo(1);
        assertThat(r.outOfOrder()).as("seq 2 listed after 3").isEqualTo(1);
        assertThat(r.refusedButRecorded()).as("k4").isEqualTo(1);
        assertThat(r.samples()).hasSize(RecordCheck.MAX_SAMPLES).first().asString().contains("HTTP 404");
    }

    @Test
    void theLedgerExpectsAcknowledgedMessagesEveryFirstMessageAsSeqOneAndNoRefusedOnes() {
        DeliveryLedger ledger = new DeliveryLedger();
        ledger.sent("post", "c1", DeliveryLedger.Side.VISITOR, 0, true);
        ledger.received("agent-1", "c1", 1, "post", 1);
        ledger.sent("acked", "c1", DeliveryLedger.Side.VISITOR, 2, false);
        ledger.acked("acked", 2);
        ledger.sent("refused", "c1", DeliveryLedger.Side.VISITOR, 3, false);
        ledger.refused("refused", "chat-closed");
        ledger.sent("unanswered", "c1", DeliveryLedger.Side.VISITOR, 4, false);
        ledger.sent("unassigned-post", "c2", DeliveryLedger.Side.VISITOR, 5, true);

        Map<String, List<RecordCheck.Expected>> expected = ledger.expectedRecord();

        // a chat never assigned: its first message was stored as seq 1 before the 201 all the same
        assertThat(expected.get("c2")).containsExactly(new RecordCheck.Expected("unassigned-post", "c2", 1, false));
        assertThat(expected.get("c1")).containsExactlyInAnyOrder(new RecordCheck.Expected("post", "c1", 1, false),
                new RecordCheck.Expected("acked", "c1", 2, false), new RecordCheck.Expected("refused", "c1", -1, true));
    }
}
