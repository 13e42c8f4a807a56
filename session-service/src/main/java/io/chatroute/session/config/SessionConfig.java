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

    Limits limits();

    Outbox outbox();

    Idempotency idempotency();

    /** How long a processed event id is remembered. */
    @WithDefault("7d")
    Duration processedTtl();

    interface Routing {
        /** Service token (role platform) sent to routing-service; never logged. */
        Optional<String> token();
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
    }

    interface Outbox {
        @WithDefault("5000")
        long leaseMillis();

        @WithDefault("100")
        int batchSize();

        @WithDefault("1s")
        String sweepInterval();
    }

    interface Idempotency {
        @WithDefault("24h")
        Duration ttl();
    }
}
