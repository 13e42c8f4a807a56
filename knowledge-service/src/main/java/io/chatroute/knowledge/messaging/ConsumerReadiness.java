package io.chatroute.knowledge.messaging;

import java.time.Duration;
import java.time.Instant;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.chatroute.knowledge.config.KnowledgeConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * DOWN while a chat-events record has been failing for longer than
 * {@code chatroute.knowledge.consumer.not-ready-after} (a consumer is stalled: agents get no suggestions, or the bot
 * no answers); UP again as soon as it is applied. Named after the topic: it covers both groups that read chat-events,
 * the suggestions' ({@code knowledge-service}) and the bot's ({@code knowledge-bot}), which share one retry and say
 * which in {@code groups}.
 */
@Readiness
@ApplicationScoped
public class ConsumerReadiness implements HealthCheck {

    static final String NAME = "chat-events consumer";

    private final ConsumerRetry retry;
    private final Duration threshold;

    public ConsumerReadiness(ConsumerRetry retry, KnowledgeConfig config) {
        this.retry = retry;
        this.threshold = config.consumer().notReadyAfter();
    }

    @Override
    public HealthCheckResponse call() {
        Instant now = retry.now();
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).up()
                .withData("groups", "knowledge-service, knowledge-bot")
                .withData("retryingRecords", retry.failingRecords());
        retry.oldestFailure().ifPresent(streak -> {
            response.withData("failingForSeconds", streak.age(now).toSeconds())
                    .withData("attempts", streak.failures())
                    .withData("lastError", String.valueOf(streak.lastError()));
            if (streak.stalled(now, threshold)) {
                response.down();
            }
        });
        return response.build();
    }
}
