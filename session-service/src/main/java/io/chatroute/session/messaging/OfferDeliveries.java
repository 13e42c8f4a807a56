package io.chatroute.session.messaging;

import java.time.Instant;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code chat.offer.delivered}: an offer frame was written to one of the agent's sockets on this instance, so the agent
 * could see it; routing counts a timed-out offer towards AWAY only then. A fact about a frame, not a store change: no
 * outbox entry, published straight on the outbox channel's producer (keyed by chat id, on {@code chat-events}, after
 * the chat's {@code chat.offered} was consumed, so on the same partition behind it).
 *
 * <p>At most once, best effort: a send the producer refuses or the broker fails is counted and logged, not retried. A
 * lost event only means the agent is not penalised for that offer's timeout (routing treats it as undelivered): the
 * safe side. A duplicate (an agent with sockets on two instances) changes nothing: routing records the offer id.
 */
@ApplicationScoped
public class OfferDeliveries {

    private static final Logger LOG = Logger.getLogger(OfferDeliveries.class);
    public static final String TYPE = "chat.offer.delivered";
    static final String TOPIC = "chat-events";

    private final OutboxRelay relay;
    private final ObjectMapper mapper;
    private final Counter published;
    private final Counter failed;

    public OfferDeliveries(OutboxRelay relay, ObjectMapper mapper, MeterRegistry meters) {
        this.relay = relay;
        this.mapper = mapper;
        this.published = meters.counter("chatroute_delivery_offers_delivered_total");
        this.failed = meters.counter("chatroute_delivery_offers_delivered_failed_total");
    }

    /** Publishes that the offer reached the agent at {@code deliveredAt}; never throws. */
    public void delivered(String chatId, String agentId, String offerId, Instant deliveredAt) {
        if (chatId == null || agentId == null || offerId == null || offerId.isEmpty()) {
            return; // an offer without an id (never from routing): nothing routing could match it to
        }
        ObjectNode d = mapper.createObjectNode();
        d.put("chatId", chatId);
        d.put("agentId", agentId);
        d.put("offerId", offerId);
        d.put("deliveredAt", deliveredAt.toString());
        String id = UUID.randomUUID().toString();
        try {
            relay.sendUnstored(id, TYPE, chatId, TOPIC, deliveredAt.toString(), d.toString()).whenComplete((ok, err) -> {
                if (err == null) {
                    published.increment();
                } else {
                    failed.increment();
                    LOG.debugf("chat.offer.delivered %s of chat %s not published: %s", offerId, chatId, err.toString());
                }
            });
        } catch (RuntimeException e) {
            failed.increment();
            LOG.debugf("chat.offer.delivered %s of chat %s not published: %s", offerId, chatId, e.toString());
        }
    }
}
