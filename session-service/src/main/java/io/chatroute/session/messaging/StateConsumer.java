package io.chatroute.session.messaging;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;

/** Group {@code session-service}: projects chat-events/agent-events into the chat hashes, once per ce_id. */
@ApplicationScoped
public class StateConsumer {

    private static final Logger LOG = Logger.getLogger(StateConsumer.class);

    private final Projector projector;
    private final ObjectMapper mapper;

    public StateConsumer(Projector projector, ObjectMapper mapper) {
        this.projector = projector;
        this.mapper = mapper;
    }

    @Incoming("state")
    @Blocking
    public void onEvent(ConsumerRecord<String, String> record) {
        IncomingEvent e = IncomingEvent.of(record);
        if (e.type() == null || !e.type().startsWith("chat.") || e.data() == null) {
            return;
        }
        try {
            projector.apply(e.id(), e.type(), mapper.readTree(e.data()));
        } catch (Exception ex) {
            // nacked: the channel's dead-letter-queue strategy keeps the record for replay, nothing is lost
            LOG.warnf("could not project %s %s: %s", e.type(), e.id(), ex.toString());
            throw ex instanceof RuntimeException re ? re : new IllegalArgumentException(ex);
        }
    }
}
