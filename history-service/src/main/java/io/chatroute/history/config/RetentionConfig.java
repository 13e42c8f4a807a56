package io.chatroute.history.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How long history keeps chats ({@code chatroute.retention.*}); README, <i>Retention</i>. */
@ConfigMapping(prefix = "chatroute.retention")
public interface RetentionConfig {

    /** Chats closed (or, never closed, started) more than this many days ago are deleted with all they hold. */
    @WithDefault("365")
    int days();

    /** Whether the purge runs on its own (it can always be run by an admin: POST /api/v1/retention/purge). */
    @WithDefault("true")
    boolean enabled();

    /** How often the purge runs; the first run is {@link #firstRunAfter()} after start. */
    @WithDefault("PT1H")
    Duration purgeEvery();

    @WithDefault("PT1M")
    Duration firstRunAfter();

    /** Chats deleted per transaction (each one briefly holds back the consumer). */
    @WithDefault("500")
    int chunk();
}
