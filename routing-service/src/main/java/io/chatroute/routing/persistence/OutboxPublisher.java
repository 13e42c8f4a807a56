package io.chatroute.routing.persistence;

import java.util.List;

/**
 * Publishes the outbox entries a script just appended, at once and in order (implemented by the messaging
 * layer's relay). The partition's outbox stream keeps them until the broker acknowledged them.
 */
public interface OutboxPublisher {

    /** An outbox entry: its stream (the partition's outbox key), its stream id and the CloudEvent to publish. */
    record Entry(String stream, String streamId, String id, String type, String key, String topic, String time, String data) {
    }

    void publish(List<Entry> entries);
}
