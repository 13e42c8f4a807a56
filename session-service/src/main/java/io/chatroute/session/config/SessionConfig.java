package io.chatroute.session.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of session-service ({@code chatroute.*}). */
@ConfigMapping(prefix = "chatroute")
public interface SessionConfig {

    /** This process's id: names the delivery consumer group and the outbox lease holder. */
    String instanceId();

    Routing routing();

    /**
     * Sites allowed to embed the widget: CORS origins of the REST API and the Origins accepted on sockets (besides
     * session-service's own pages). Comma-separated, e.g. https://shop.example.com.
     */
    @WithDefault("http://localhost:8080,http://127.0.0.1:8080")
    java.util.List<String> widgetOrigins();

    Limits limits();

    /** The widget's configuration ({@code GET /api/v1/widget/config}). */
    Widget widget();

    interface Widget {
        /** How long routing-service's answer is served without asking again (also the answer's Cache-Control max-age). */
        @WithDefault("30")
        int configFreshSeconds();

        /** How long an answer is kept to serve while routing-service cannot answer (marked {@code stale}). */
        @WithDefault("86400")
        int configStaleSeconds();

        /** Forms remembered at most (the least recently asked dropped first). */
        @WithDefault("1000")
        int configCacheEntries();
    }

    Outbox outbox();

    Idempotency idempotency();

    Consumer consumer();

    Retention retention();

    /** How long session-service keeps what it holds of a chat. */
    interface Retention {
        /**
         * A closed chat's state, messages and client message ids stay this long after the close (the survey, a late
         * resume, tags), then Redis drops them; history-service keeps the record.
         */
        @WithDefault("24h")
        Duration closedChat();

        /** A visitor token's absolute lifetime from the chat's start (it also dies with the chat's state). */
        @WithDefault("7d")
        Duration visitorToken();
    }

    Suggestions suggestions();

    /** Waiting chats whose visitor left (an addition, 2026-12-06; session-service README, "Visitors who leave"). */
    VisitorGone visitorGone();

    interface VisitorGone {
        /**
         * A chat that waits for an agent (QUEUED or OFFERED) whose visitor had a socket open and has had none on any
         * live instance for this long is closed by the system ({@code chat.closed} with {@code reason: "visitor-left"}),
         * so no agent is offered a chat nobody is in. A chat no visitor socket was ever opened for (a platform's chat
         * over REST) is never closed this way, nor one an agent holds or one left for a closed queue (OFFLINE).
         * {@code 0s} turns it off. At least three times {@link #checkInterval()}.
         */
        @WithDefault("60s")
        Duration timeout();

        /** How often each instance marks its visitors' chats as still attended and looks for ones gone for the timeout. */
        @WithDefault("10s")
        Duration checkInterval();
    }

    Delivery delivery();

    /** How messages reach this instance's sockets. */
    interface Delivery {
        /**
         * A message committed by this instance goes to its own sockets for the chat at once, beside the event's way
         * through Kafka (which every other instance, and this one's gaps, still rely on); false: through Kafka only.
         */
        @WithDefault("true")
        boolean localFastPath();

        /**
         * How far past its {@code expiresAt} (routing-service's clock) an offer is still written to the agent: this
         * host's clock may run ahead of routing's. An offer is dropped only when this clock says it expired longer
         * ago than that; one written a little late can only be refused on accept ({@code no-offer}), while one dropped
         * early is never seen by the agent.
         */
        @WithDefault("2s")
        Duration offerExpiryGrace();
    }

    /** The knowledge-base suggestions session-service keeps per chat (for offers and assignments that come later). */
    interface Suggestions {
        /** How long a chat's latest suggestions are kept after they arrived. */
        @WithDefault("1h")
        Duration keep();
    }

    /** How long a processed event id is remembered. */
    @WithDefault("7d")
    Duration processedTtl();

    interface Routing {
        /** Service token (role platform) sent to routing-service; never logged. */
        Optional<String> token();
    }

    /** The customer's history in offers (history-service). */
    History history();

    interface History {
        /** Service token (role platform) sent to history-service; never logged. Without one, offers carry no history. */
        Optional<String> token();

        /** Earlier chats and notes per offer. */
        @WithDefault("5")
        int limit();

        /** How long an answer is reused for the same customer. */
        @WithDefault("30000")
        long cacheMillis();
    }

    interface Limits {
        @WithDefault("4000")
        int messageMaxChars();

        @WithDefault("16384")
        int frameMaxBytes();

        @WithDefault("20")
        int formMaxFields();

        @WithDefault("500")
        int formMaxValueChars();

        /** A visitor's sustained message rate (token bucket per chat, shared by all instances). */
        @WithDefault("10")
        int visitorMessagesPerSecond();

        /** How many messages a visitor may send at once before the rate applies. */
        @WithDefault("20")
        int visitorMessageBurst();

        /** Chat starts per client address per minute (callers with a platform or admin token are not counted). */
        @WithDefault("30")
        int startsPerMinutePerAddress();

        /**
         * Chat starts per minute per platform (the token's subject), whatever its address: a platform starts chats for
         * many customers, so it has its own quota (the contract) instead of the per-address limit.
         */
        @WithDefault("12000")
        int platformStartsPerMinute();
    }

    interface Outbox {
        /** The sweep's lease; at least twice {@link #ackTimeout()}, so no sweep outlives its lease. */
        @WithDefault("30000")
        long leaseMillis();

        @WithDefault("100")
        int batchSize();

        @WithDefault("1s")
        String sweepInterval();

        /** Entries younger than this are left to the writer that publishes them at once. */
        @WithDefault("3s")
        Duration grace();

        /** How long a sweep waits for the broker's acknowledgements of one batch. */
        @WithDefault("10s")
        Duration ackTimeout();
    }

    interface Consumer {
        /** Kafka consumers per channel; each takes a share of the partitions and keeps them in order. */
        @WithDefault("2")
        int concurrency();

        /**
         * Threads per channel that apply a consumed batch, one chat (or agent) per thread at a time and each chat's
         * records in order; most of a record's time is Redis round trips, so more threads than cores pay off.
         */
        @WithDefault("16")
        int handlerThreads();
    }

    interface Idempotency {
        @WithDefault("24h")
        Duration ttl();
    }
}
