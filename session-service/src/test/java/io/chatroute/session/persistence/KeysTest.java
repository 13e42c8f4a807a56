package io.chatroute.session.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.chatroute.session.domain.IdempotencySeal;
import io.chatroute.session.domain.VisitorTokens;

/** The key layout for Redis Cluster: what one script touches is in one slot. */
class KeysTest {

    @Test
    void aChatsKeysAndItsPartitionsOutboxShareOneSlot() {
        for (int i = 0; i < 200; i++) {
            String chatId = UUID.randomUUID().toString();
            List<String> keys = List.of(Keys.chat(chatId), Keys.messages(chatId), Keys.clientMsgs(chatId), Keys.suggestions(chatId),
                    Keys.chatOutbox(chatId), Keys.visitorsSeen(chatId), Keys.processed(chatId, UUID.randomUUID().toString()));
            assertThat(keys.stream().map(Keys::slot).distinct()).hasSize(1);
        }
    }

    @Test
    void anAgentsKeysAndItsPartitionsOutboxShareOneSlot() {
        for (int i = 0; i < 200; i++) {
            String agentId = "agent-" + i;
            assertThat(List.of(Keys.agentChats(agentId), Keys.agentSockets(agentId), Keys.agentOutbox(agentId)).stream()
                    .map(Keys::slot).distinct()).hasSize(1);
        }
    }

    @Test
    void aNewChatsTokenAndIdempotencyRecordLandInTheChatsSlot() {
        for (int i = 0; i < 50; i++) {
            String record = IdempotencySeal.recordId("key-" + i);
            String chatId = ChatStore.newChatId(record);
            String token = ChatStore.newVisitorToken(chatId);
            assertThat(VisitorTokens.isVisitorToken(token)).isTrue();
            assertThat(Keys.slot(Keys.idempotency(record))).isEqualTo(Keys.slot(Keys.chat(chatId)));
            assertThat(Keys.slot(Keys.visitorToken(VisitorTokens.sha256Hex(token)))).isEqualTo(Keys.slot(Keys.chat(chatId)));
        }
    }

    @Test
    void chatsSpreadOverThePartitions() {
        long partitions = IntStream.range(0, 2000).map(i -> Keys.chatPartition(UUID.randomUUID().toString())).distinct().count();
        assertThat(partitions).isEqualTo(Keys.PARTITIONS);
    }

    @Test
    void keysOfTwoSlotsInOneScriptAreRefused() {
        String a = UUID.randomUUID().toString();
        String b;
        do {
            b = UUID.randomUUID().toString();
        } while (Keys.chatPartition(b) == Keys.chatPartition(a));
        String other = b;
        assertThatThrownBy(() -> Keys.checkOneSlot("post_message", List.of(Keys.chat(a), Keys.chatOutbox(other))))
                .hasMessageContaining("spans Redis Cluster slots");
        // Redis Cluster's own slot function (CRC16/XMODEM of the hash tag): a known value, and a tag decides
        assertThat(Keys.slot("foo")).isEqualTo(12182);
        assertThat(Keys.slot("{user1000}.following")).isEqualTo(Keys.slot("{user1000}.followers"));
    }
}
