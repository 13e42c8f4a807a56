package io.chatroute.routing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** routing-service settings ({@code chatroute.routing.*}). */
@ConfigMapping(prefix = "chatroute.routing")
public interface RoutingConfig {

    /** Most fields a pre-chat form may have. */
    @WithDefault("20")
    int maxFormFields();

    /** Longest accepted value of one form field (characters). */
    @WithDefault("500")
    int maxValueLength();

    /** After declining or missing an offer, the agent is not offered the same chat again for this long. */
    @WithDefault("60")
    int declineCooldownSeconds();

    /** How long a place reserved at evaluation waits for its chat.requested before it is given back. */
    @WithDefault("60")
    int reservationTimeoutSeconds();

    /** How long processed event ids are remembered (idempotent consumers). */
    @WithDefault("604800")
    int processedTtlSeconds();

    /** How long a closed chat's routing record is kept. */
    @WithDefault("2592000")
    int closedRetentionSeconds();

    /**
     * How long a queue's per-day service-level counters ({@code routing:stats:queue:<id>:<yyyy-MM-dd>}) are kept after
     * their last write (the live stats read only today's).
     */
    @WithDefault("172800")
    int statsRetentionSeconds();

    /** The outbox sweep's lease (one instance sweeps at a time); at least twice the ack timeout. */
    @WithDefault("30000")
    long relayLeaseMillis();

    /** Outbox entries younger than this are left to the writer, which publishes them at once. */
    @WithDefault("3000")
    long relayGraceMillis();

    /** An agent who lets offers time out is set AWAY (agent.presence.changed, reason missed-offer). */
    @WithDefault("true")
    boolean awayOnMissedOffer();

    /** How many offers in a row an agent may let time out before being set AWAY (an answer resets the count). */
    @WithDefault("3")
    int missedOffersBeforeAway();

    /** How long forms, queues and rules are cached in the process (a PUT on this instance is seen at once). */
    @WithDefault("1000")
    long configCacheMillis();

    /** Kafka consumers per channel; each takes a share of the partitions and keeps them in order. */
    @WithDefault("2")
    int consumerConcurrency();

    /** Entries read per relay round. */
    @WithDefault("100")
    int relayBatchSize();

    /** How long the relay waits for a broker acknowledgement. */
    @WithDefault("10")
    int relayAckTimeoutSeconds();

    /** How often expired offers are swept (used by @Scheduled). */
    @WithDefault("1s")
    String offerSweepInterval();

    /** How often the outbox is swept for leftovers (used by @Scheduled). */
    @WithDefault("1s")
    String outboxSweepInterval();

    /** How often waiting chats get a safety-net dispatch (used by @Scheduled). */
    @WithDefault("10s")
    String redispatchInterval();
}
