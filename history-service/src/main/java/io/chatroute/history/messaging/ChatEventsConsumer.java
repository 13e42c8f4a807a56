package io.chatroute.history.messaging;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The transport adapter of topic {@code chat-events} (group {@code history-service}): reads the
 * CloudEvents binary-mode envelope and hands the event to {@link ChatEventHandler}. The record is
 * acknowledged only after the handler's transaction has committed (or the event was parked); a
 * failure nacks it (see the failure strategy on {@link ChatEventHandler}).
 */
@ApplicationScoped
public class ChatEventsConsumer {

    private final ChatEventHandler handler;

    public ChatEventsConsumer(ChatEventHandler handler) {
        this.handler = handler;
    }

    @Incoming("chat-events")
    public Uni<Void> consume(Message<String> message) {
        Optional<IncomingCloudEventMetadata> ce = message.getMetadata(IncomingCloudEventMetadata.class);
        Optional<IncomingKafkaRecordMetadata> record = message.getMetadata(IncomingKafkaRecordMetadata.class);
        String id = ce.map(IncomingCloudEventMetadata::getId).orElseGet(() -> header(record, "ce_id"));
        String type = ce.map(IncomingCloudEventMetadata::getType).orElseGet(() -> header(record, "ce_type"));
        String key = record.map(r -> r.getKey() == null ? null : r.getKey().toString()).orElse(null);
        String where = record.map(r -> r.getTopic() + "/" + r.getPartition() + "/" + r.getOffset()).orElse("unknown");
        return Uni.createFrom().deferred(() -> handler.handle(id, "kafka:" + where, type, key, message.getPayload()))
                .onItemOrFailure().transformToUni((outcome, failure) -> failure == null
                        ? Uni.createFrom().completionStage(message.ack())
                        : Uni.createFrom().completionStage(message.nack(failure)));
    }

    private static String header(Optional<IncomingKafkaRecordMetadata> record, String name) {
        return record.map(r -> {
            Header h = r.getHeaders().lastHeader(name);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }).orElse(null);
    }
}
