package io.chatroute.session.messaging;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** The CloudEvents binary-mode attributes of a consumed record. */
record IncomingEvent(String id, String type, String key, String data) {

    static IncomingEvent of(ConsumerRecord<String, String> record) {
        return new IncomingEvent(header(record, "ce_id"), header(record, "ce_type"), record.key(), record.value());
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
