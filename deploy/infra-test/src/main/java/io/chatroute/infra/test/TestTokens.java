package io.chatroute.infra.test;

import java.time.Duration;

import io.chatroute.infra.DevKeys;
import io.chatroute.infra.DevTokens;

/** Development JWTs signed with the test JVM's key pair, which {@link InfraTestResource} makes services trust. */
public final class TestTokens {

    private TestTokens() {
    }

    public static String mint(String subject, String... roles) {
        return DevTokens.mint(DevKeys.readPrivateKey(SharedInfra.keyDir().resolve(DevKeys.PRIVATE_KEY_FILE)),
                subject, Duration.ofHours(1), roles);
    }

    public static String admin() {
        return mint("admin-1", "admin");
    }

    public static String agent(String agentId) {
        return mint(agentId, "agent");
    }

    public static String supervisor() {
        return mint("supervisor-1", "supervisor");
    }

    public static String platform() {
        return mint("platform-1", "platform");
    }
}
