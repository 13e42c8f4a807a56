package io.chatroute.session.api.security;

import io.chatroute.session.domain.Caller;
import io.chatroute.session.domain.VisitorTokens;
import io.chatroute.session.persistence.Keys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Resolves a visitor token through its SHA-256 in Redis (non-blocking). */
@ApplicationScoped
public class VisitorIdentityProvider implements IdentityProvider<VisitorTokenRequest> {

    public static final String CHAT_ID = "chatId";

    private final ReactiveValueCommands<String, String> values;

    public VisitorIdentityProvider(ReactiveRedisDataSource redis) {
        this.values = redis.value(String.class);
    }

    @Override
    public Class<VisitorTokenRequest> getRequestType() {
        return VisitorTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(VisitorTokenRequest request, AuthenticationRequestContext context) {
        return values.get(Keys.visitorToken(VisitorTokens.sha256Hex(request.token())))
                .onItem().transform(chatId -> {
                    if (chatId == null) {
                        throw new AuthenticationFailedException("unknown visitor token");
                    }
                    return (SecurityIdentity) QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal("visitor:" + chatId))
                            .addRole(Caller.VISITOR)
                            .addAttribute(CHAT_ID, chatId)
                            .build();
                });
    }
}
