package io.chatroute.routing.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The epoch of a waiting entry as dispatch reads it: the written form's prefix, or the whole JSON otherwise. */
class EntryEpochTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheEpochOfAnEntryAsWaitingEntriesWritesIt() throws Exception {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("e", 12);
        entry.put("t", "target");
        entry.put("ev", Map.of("chatId", "c-1", "queueId", "q"));
        assertThat(RoutingStore.entryEpoch(JSON.writeValueAsString(entry), JSON)).isEqualTo(12);
        assertThat(RoutingStore.entryEpoch("{\"e\":7}", JSON)).isEqualTo(7);
    }

    @Test
    void anyOtherFieldOrderIsReadAsJson() {
        assertThat(RoutingStore.entryEpoch("{\"t\":\"x\",\"e\":3}", JSON)).isEqualTo(3);
        assertThat(RoutingStore.entryEpoch("{ \"e\" : 4 }", JSON)).isEqualTo(4);
        assertThat(RoutingStore.entryEpoch("{\"e\":\"5\"}", JSON)).isEqualTo(5);
        assertThat(RoutingStore.entryEpoch("{\"t\":\"x\"}", JSON)).isZero();
    }
}
