package io.chatroute.knowledge.persistence;

import java.time.Instant;

import io.chatroute.knowledge.config.KnowledgeConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Hourly: deletes suggestion state and processed bot events older than {@code suggestions.keep-state}, and the bot's
 * ASSIGNED chats older than {@code bot.keep-assigned}.
 */
@ApplicationScoped
public class StatePruning {

    private static final Logger LOG = Logger.getLogger(StatePruning.class);

    private final SuggestionStateStore suggestions;
    private final BotStore bot;
    private final KnowledgeConfig config;

    public StatePruning(SuggestionStateStore suggestions, BotStore bot, KnowledgeConfig config) {
        this.suggestions = suggestions;
        this.bot = bot;
        this.config = config;
    }

    @Scheduled(every = "1h", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> prune() {
        Instant now = Instant.now();
        Instant before = now.minus(config.suggestions().keepState());
        return suggestions.prune(before).chain(() -> bot.prune(before, now.minus(config.bot().keepAssigned())))
                .onFailure().invoke(t -> LOG.warnf("pruning old suggestion state failed: %s", t.toString()))
                .onFailure().recoverWithNull();
    }
}
