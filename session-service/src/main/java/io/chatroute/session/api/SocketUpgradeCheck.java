package io.chatroute.session.api;

import io.chatroute.session.api.security.VisitorIdentityProvider;
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
        return VisitorSocket.ID.equals(endpointId) || AgentSocket.ID.equals(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
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
            if (!identity.hasRole(Caller.AGENT)) {
                return CheckResult.rejectUpgrade(403);
            }
            context.userData().put(AGENT_ID, identity.getPrincipal().getName());
            return CheckResult.permitUpgrade();
        });
    }
}
