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

    /**
     * Keys (chats or agents) of one consumed batch applied at the same time, each key's records in order; also the
     * threads of the pool that runs the blocking handlers (presence, transfers). The chat's start, accept, decline,
     * delivery and close hold no thread while Redis answers.
     */
    @WithDefault("16")
    int handlerThreads();

    /**
     * Lanes of dispatch passes: one pass at a time per lane, a queue always in the same lane (requests for a queue
     * being dispatched coalesce). Passes are non-blocking (no thread waits for Redis). In a lane the waiting pass of the
     * highest-priority queue goes next, so an agent with room is offered its higher-priority queue's chats first even
     * when a lower-priority pass was asked for earlier; one lane orders every queue. The name is kept from when each
     * lane was a thread.
     */
    @WithDefault("1")
    int dispatchThreads();

    /**
     * A dispatch pass that waited this long in its lane goes next whatever its queue's priority (the oldest first): a
     * queue asked for all the time never holds the other queues' passes back longer than this.
     */
    @WithDefault("250ms")
    java.time.Duration dispatchPriorityAging();

    /**
     * Claims (the agent's slot, then the chat) of one dispatch page in flight at the same time. Claims are
     * non-blocking (Redis answers on the event loop; no thread waits for them), so this bounds concurrent Redis
     * round trips, not threads; the name is kept from when each claim took a thread.
     */
    @WithDefault("16")
    int claimThreads();

    /**
     * Whether the handler pool runs on virtual threads (its size above stays the bound on how much runs at
     * once). Their work is mostly waiting for Redis; a virtual thread waiting frees its OS thread. Off by
     * default: measured neutral on 2026-12-06 (README "Virtual threads"), and on a JDK before 24 a wait inside
     * {@code synchronized} (the Kafka producer's metadata wait) would hold one of the few carrier threads.
     */
    @WithDefault("false")
    boolean virtualThreads();

    /** Every queue is dispatched at least this often, whatever the events (the safety net after a crash). */
    @WithDefault("5s")
    java.time.Duration dispatchSweepInterval();

    /** Entries read per relay round. */
    @WithDefault("100")
    int relayBatchSize();

    /** How long the relay waits for a broker acknowledgement. */
    @WithDefault("10")
    int relayAckTimeoutSeconds();

    /**
     * Partitions of the routing state in Redis (the hash tags of the keys, see README "Concurrency and Redis Cluster").
     * Fixed for a deployment: recorded in Redis at the first start, and a different value refuses to start.
     */
    @WithDefault("64")
    int partitions();

    /** How long an agent whose last socket closed keeps its chats (AWAY, no offers) before it goes OFFLINE. */
    @WithDefault("30")
    int disconnectGraceSeconds();

    /**
     * Clock-skew allowance of an accept: judged by when the agent pressed accept ({@code acceptedAt}), it counts up to
     * this long after the offer's deadline; the offer is released only this long after its deadline.
     */
    @WithDefault("2000")
    long acceptSkewMillis();

    /** After a chat starts waiting, its queue entry is checked again this long later (repairs a crash between steps). */
    @WithDefault("5000")
    long indexCheckDelayMillis();

    /** Decision steps kept per chat in full; older ones are summarised by kind. */
    @WithDefault("20")
    int decisionSteps();

    /** Candidates of a routing target read per dispatch page (and recorded per decision at most ten). */
    @WithDefault("16")
    int candidatePage();

    /** Waiting chats read per dispatch page. */
    @WithDefault("50")
    int dispatchPage();

    /** A queue's positions and estimated waits are re-announced (chat.queued) at most this often. */
    @WithDefault("1000")
    long announceIntervalMillis();

    /** Waiting chats per queue whose position is re-announced (the first ones in line). */
    @WithDefault("500")
    int announceLimit();

    /** The first chats in line, told every change of their position or estimate (within the interval). */
    @WithDefault("10")
    int announceNear();

    /**
     * Beyond the near ones, a chat is told a change again only after this many ms per place in line (the 100th after
     * 10 s with the default), at most {@link #announceMaxQuietMillis()}.
     */
    @WithDefault("100")
    long announceQuietPerPlaceMillis();

    /** The longest a waiting chat goes without being told its changed position or estimate. */
    @WithDefault("60000")
    long announceMaxQuietMillis();

    /** At closing time, at most this many of a queue's waiting chats (the first in line) are told it closed. */
    @WithDefault("10000")
    int closeNoticeLimit();

    /** The window of recent answers and arrivals of the wait estimate. */
    @WithDefault("900")
    int estimateWindowSeconds();

    /** Answers in the window from which the estimate uses the measured throughput (before: Erlang C). */
    @WithDefault("5")
    int estimateMinAnswers();

    /** Closed chats from which the measured average handle time replaces the default. */
    @WithDefault("3")
    int estimateMinHandleSamples();

    /** The handle time assumed before any was measured. */
    @WithDefault("300")
    int defaultHandleSeconds();

    /** How often agents' loads are reconciled with the chats they really hold (one instance at a time). */
    @WithDefault("60s")
    String reconcileInterval();

    /** When the first reconciliation pass runs after start (tests: 1h, they call the reconciler themselves). */
    @WithDefault("20s")
    String reconcileDelay();

    /** A hold younger than this is never taken for stale by reconciliation (a claim may be between its two steps). */
    @WithDefault("30000")
    long reconcileMinAgeMillis();

    /**
     * How often each instance re-reads the earliest timer of every partition (timers scheduled by another instance
     * that stopped); timers this instance schedules are armed at once.
     */
    @WithDefault("15s")
    String timerResyncInterval();

    /** How often the outbox is swept for leftovers (used by @Scheduled). */
    @WithDefault("1s")
    String outboxSweepInterval();
}
