package io.chatroute.history.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** history-service settings ({@code chatroute.history.*}). */
@ConfigMapping(prefix = "chatroute.history")
public interface HistoryConfig {

    Consumer consumer();

    Transcripts transcripts();

    Customers customers();

    Outbox outbox();

    /**
     * How the chat-events consumer retries a transiently failing event: forever, with exponential back-off,
     * holding back the partition's later events meanwhile.
     */
    interface Consumer {
        /** Delay after the first failure; doubled after each further one up to {@link #maxBackoff()}. */
        @WithDefault("PT0.1S")
        Duration initialBackoff();

        @WithDefault("PT5S")
        Duration maxBackoff();

        /** While a record keeps failing, one log line per this period (the first failure is always logged). */
        @WithDefault("PT30S")
        Duration logEvery();

        /** Readiness turns DOWN once a record has been failing this long; UP again when it succeeds. */
        @WithDefault("PT30S")
        Duration notReadyAfter();
    }

    interface Transcripts {
        @WithDefault("20")
        int defaultPageSize();

        @WithDefault("100")
        int maxPageSize();
    }

    /** The outbox of history-service's own events ({@code transcript.tagged}, see OutboxRelay). */
    interface Outbox {
        /** How often the sweep looks for events the immediate send left behind. */
        @WithDefault("PT5S")
        Duration sweepEvery();

        /**
         * An event is the sweep's this long after its commit (before, it is on its immediate send), and a sweep's claim
         * holds it this long. Must exceed the history-events producer's max.block.ms + delivery.timeout.ms.
         */
        @WithDefault("PT30S")
        Duration sweepAfter();

        /** Events per sweep. */
        @WithDefault("200")
        int sweepBatch();
    }

    /** {@code GET /api/v1/customers/{customerId}/history}: chats and notes per answer ({@code ?limit=}). */
    interface Customers {
        @WithDefault("20")
        int defaultLimit();

        @WithDefault("100")
        int maxLimit();
    }
}
