package io.chatroute.session.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.domain.ChatRequestValidator;
import io.chatroute.session.domain.FreshnessCache;
import io.chatroute.session.domain.Limits;
import io.chatroute.session.messaging.RoutingGateway;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The widget's configuration: routing-service's answer about a form (its fields, whether chat is open, the hours,
 * the next opening), cached per form. Fresh for {@code chatroute.widget.config-fresh-seconds}; while routing-service
 * cannot answer, the last answer is served (marked {@code stale}) for up to {@code config-stale-seconds}; with
 * nothing cached, 503. One call per form at a time (concurrent widgets wait for it instead of each asking).
 * An unknown form is remembered as unknown while fresh, so a wrong id on a busy page does not hammer routing.
 */
@ApplicationScoped
public class WidgetConfigs {

    /** What the resource answers: the body, and whether it is a stale copy. */
    public record Config(ObjectNode body, boolean stale) {
    }

    private static final JsonNode UNKNOWN = NullNode.getInstance();
    private static final int STRIPES = 64;

    private final RoutingGateway routing;
    private final ObjectMapper mapper;
    private final Limits limits;
    private final FreshnessCache<JsonNode> cache;
    private final Object[] locks = new Object[STRIPES];

    public WidgetConfigs(RoutingGateway routing, ObjectMapper mapper, SessionConfig config, ChatService chats) {
        this.routing = routing;
        this.mapper = mapper;
        this.limits = chats.limits();
        SessionConfig.Widget w = config.widget();
        this.cache = new FreshnessCache<>(w.configFreshSeconds() * 1000L, Math.max(w.configFreshSeconds(), w.configStaleSeconds()) * 1000L,
                w.configCacheEntries());
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    /** The configuration of a form; throws a ChatException for a bad or unknown id, or when nothing can be served. */
    public Config get(String formId) {
        if (!ChatRequestValidator.validFormId(formId)) {
            throw ChatException.field("formId", "must be 1..100 characters of A-Z a-z 0-9 . _ : -");
        }
        var fresh = cache.fresh(formId, now());
        if (fresh.isPresent()) {
            return answer(formId, fresh.get().value(), false);
        }
        synchronized (locks[Math.floorMod(formId.hashCode(), STRIPES)]) {
            fresh = cache.fresh(formId, now()); // another request may have asked meanwhile
            if (fresh.isPresent()) {
                return answer(formId, fresh.get().value(), false);
            }
            RoutingGateway.Availability a = routing.availability(formId);
            switch (a.kind()) {
                case OK -> {
                    cache.put(formId, a.body(), now());
                    return answer(formId, a.body(), false);
                }
                case UNKNOWN_FORM -> {
                    cache.put(formId, UNKNOWN, now());
                    return answer(formId, UNKNOWN, false);
                }
                default -> {
                    var kept = cache.kept(formId, now());
                    if (kept.isPresent()) {
                        return answer(formId, kept.get().value(), true);
                    }
                    throw new ChatException(503, "routing-unavailable",
                            "the chat configuration cannot be read right now; try again in a moment");
                }
            }
        }
    }

    private Config answer(String formId, JsonNode routingAnswer, boolean stale) {
        if (routingAnswer == UNKNOWN) {
            throw new ChatException(404, "form-not-found", "there is no form '" + formId + "'",
                    java.util.List.of(new io.chatroute.session.domain.FieldError("formId", "unknown form")));
        }
        ObjectNode out = mapper.createObjectNode();
        out.put("formId", formId);
        out.set("fields", routingAnswer.path("fields"));
        out.put("open", routingAnswer.path("open").asBoolean(false));
        out.set("nextOpenAt", routingAnswer.hasNonNull("nextOpenAt") ? routingAnswer.get("nextOpenAt") : NullNode.getInstance());
        out.set("hours", routingAnswer.path("hours").isArray() ? routingAnswer.get("hours") : mapper.createArrayNode());
        out.set("at", routingAnswer.hasNonNull("at") ? routingAnswer.get("at") : NullNode.getInstance());
        out.put("stale", stale);
        ObjectNode l = out.putObject("limits");
        l.put("messageMaxChars", limits.messageMaxChars());
        l.put("formMaxValueChars", limits.formMaxValueChars());
        return new Config(out, stale);
    }

    private static long now() {
        return System.currentTimeMillis();
    }
}
