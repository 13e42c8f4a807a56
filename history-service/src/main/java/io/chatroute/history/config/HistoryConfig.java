package io.chatroute.history.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** history-service settings ({@code chatroute.history.*}). */
@ConfigMapping(prefix = "chatroute.history")
public interface HistoryConfig {

    Consumer consumer();

    Transcripts transcripts();

    /** How the chat-events consumer retries an event whose transaction fails. */
    interface Consumer {
        /** Attempts (the first included) before the event is parked in failed_event. */
        @WithDefault("5")
        int maxAttempts();

        /** Delay before the second attempt; doubled each time up to {@link #maxBackoff()}. */
        @WithDefault("PT0.2S")
        Duration initialBackoff();

        @WithDefault("PT5S")
        Duration maxBackoff();
    }

    interface Transcripts {
        @WithDefault("20")
        int defaultPageSize();

        @WithDefault("100")
        int maxPageSize();
    }
}
