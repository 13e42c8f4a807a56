package io.chatroute.session.api;

import io.chatroute.session.api.security.VisitorIdentityProvider;
import io.chatroute.session.domain.Caller;
import io.quarkus.security.identity.SecurityIdentity;

/** Maps a Quarkus identity to the domain's caller. */
public final class Callers {

    private Callers() {
    }

    public static Caller of(SecurityIdentity identity) {
        String chatId = identity.getAttribute(VisitorIdentityProvider.CHAT_ID);
        return new Caller(identity.isAnonymous() ? null : identity.getPrincipal().getName(), identity.getRoles(), chatId);
    }
}
