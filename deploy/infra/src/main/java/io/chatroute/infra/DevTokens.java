package io.chatroute.infra;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/** Mints RS256 development JWTs (the same shape as deploy/dev-token.sh). */
public final class DevTokens {

    public static final String ISSUER = "https://chatroute.dev/issuer";

    private DevTokens() {
    }

    public static String mint(PrivateKey key, String subject, Duration ttl, String... roles) {
        long now = Instant.now().getEpochSecond();
        StringBuilder groups = new StringBuilder();
        for (String role : roles) {
            if (!groups.isEmpty()) {
                groups.append(',');
            }
            groups.append('"').append(json(role)).append('"');
        }
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String payload = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + json(subject) + "\",\"upn\":\"" + json(subject)
                + "\",\"groups\":[" + groups + "],\"iat\":" + now + ",\"exp\":" + (now + ttl.toSeconds())
                + ",\"jti\":\"" + UUID.randomUUID() + "\"}";
        String signingInput = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(payload.getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String json(String s) {
        if (!s.matches("[A-Za-z0-9._@:-]+")) {
            throw new IllegalArgumentException("subjects and roles are limited to [A-Za-z0-9._@:-]: " + s);
        }
        return s;
    }
}
