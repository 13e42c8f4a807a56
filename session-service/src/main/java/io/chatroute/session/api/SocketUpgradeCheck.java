package io.chatroute.session.api;

import io.chatroute.session.api.security.VisitorIdentityProvider;
import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.domain.Caller;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Admits a socket upgrade only for the right caller: a visitor for their own chat on
 * /ws/visitor/{chatId}, an agent on /ws/agent. 401 without identity, 403 otherwise.
 */
@ApplicationScoped
public class SocketUpgradeCheck implements HttpUpgradeCheck {

    static final UserData.TypedKey<String> CHAT_ID = UserData.TypedKey.forString("chatId");
    static final UserData.TypedKey<String> AGENT_ID = UserData.TypedKey.forString("agentId");

    @Override
    public boolean appliesTo(String endpointId) {
        return VisitorSocket.ID.equals(endpointId) || AgentSocket.ID.equals(endpointId) || DashboardSocket.ID.equals(endpointId);
    }

    private final SessionConfig config;

    public SocketUpgradeCheck(SessionConfig config) {
        this.config = config;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        // a browser always names the page's origin: only our own pages and the widget's configured sites may open
        // a socket (no cross-site WebSocket hijacking); clients that are not browsers send no Origin
        String origin = context.httpRequest().getHeader("Origin");
        if (origin != null && !allowedOrigin(origin, context.httpRequest())) {
            return CheckResult.rejectUpgrade(403);
        }
        return context.securityIdentity().onItem().transformToUni(identity -> {
            if (identity == null || identity.isAnonymous()) {
                return CheckResult.rejectUpgrade(401);
            }
            if (VisitorSocket.ID.equals(context.endpointId())) {
                String own = identity.getAttribute(VisitorIdentityProvider.CHAT_ID);
                String chatId = context.pathParam("chatId");
                if (!identity.hasRole(Caller.VISITOR) || own == null || !own.equals(chatId)) {
                    return CheckResult.rejectUpgrade(403);
                }
                context.userData().put(CHAT_ID, chatId);
                return CheckResult.permitUpgrade();
            }
            if (DashboardSocket.ID.equals(context.endpointId())) {
                return identity.hasRole(Caller.SUPERVISOR) || identity.hasRole(Caller.ADMIN)
                        ? CheckResult.permitUpgrade() : CheckResult.rejectUpgrade(403);
            }
            if (!identity.hasRole(Caller.AGENT)) {
                return CheckResult.rejectUpgrade(403);
            }
            context.userData().put(AGENT_ID, identity.getPrincipal().getName());
            return CheckResult.permitUpgrade();
        });
    }

    private boolean allowedOrigin(String origin, io.vertx.core.http.HttpServerRequest request) {
        String host = request.getHeader("Host");
        if (host != null && (origin.equals("http://" + host) || origin.equals("https://" + host))) {
            return true;
        }
        return config.widgetOrigins().stream().anyMatch(o -> o.equals("*") || o.equalsIgnoreCase(origin));
    }
}
