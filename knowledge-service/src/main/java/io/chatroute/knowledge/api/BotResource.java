package io.chatroute.knowledge.api;

import java.time.Instant;

import io.chatroute.knowledge.config.KnowledgeConfig;
import io.chatroute.knowledge.domain.Bot;
import io.chatroute.knowledge.persistence.BotStore;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The bot's settings (admin), kept in PostgreSQL so every instance follows them. */
@Path("/api/v1/kb/bot")
@Produces(MediaType.APPLICATION_JSON)
public class BotResource {

    /**
     * Body of PUT: {@code enabled} required; {@code minScore} and {@code minMargin} (an addition: how far the best
     * article must lead the second) default to the configured ones, {@code whileQueuedOnly} to true.
     */
    public record BotRequest(@NotNull Boolean enabled,
                             @DecimalMin(value = "0", message = "must be 0 or more")
                             @DecimalMax(value = "1000000", message = "must be at most 1000000") Double minScore,
                             Boolean whileQueuedOnly,
                             @DecimalMin(value = "0", message = "must be 0 or more")
                             @DecimalMax(value = "1000000", message = "must be at most 1000000") Double minMargin) {
    }

    public record BotView(boolean enabled, double minScore, boolean whileQueuedOnly, double minMargin, Instant updatedAt) {
        static BotView of(Bot.Settings s) {
            return new BotView(s.enabled(), s.minScore(), s.whileQueuedOnly(), s.minMargin(), s.updatedAt());
        }
    }

    private final BotStore store;
    private final KnowledgeConfig config;

    public BotResource(BotStore store, KnowledgeConfig config) {
        this.store = store;
        this.config = config;
    }

    @GET
    @RolesAllowed(Roles.ADMIN)
    public Uni<BotView> get() {
        return store.settings().map(s -> BotView.of(s.orElse(new Bot.Settings(false, config.bot().defaultMinScore(),
                config.bot().defaultMinMargin(), true, null))));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Uni<BotView> put(@Valid @NotNull BotRequest body) {
        double minScore = body.minScore() == null ? config.bot().defaultMinScore() : body.minScore();
        double minMargin = body.minMargin() == null ? config.bot().defaultMinMargin() : body.minMargin();
        boolean whileQueuedOnly = body.whileQueuedOnly() == null || body.whileQueuedOnly();
        return store.putSettings(body.enabled(), minScore, minMargin, whileQueuedOnly).map(BotView::of);
    }
}
