package io.chatroute.session.api.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A visitor token ({@code vt_...}) to resolve to its chat. */
public class VisitorTokenRequest extends BaseAuthenticationRequest {

    private final String token;

    public VisitorTokenRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
