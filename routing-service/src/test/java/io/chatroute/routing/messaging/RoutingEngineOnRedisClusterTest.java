package io.chatroute.routing.messaging;

import java.util.ArrayList;
import java.util.List;

import io.chatroute.infra.test.RedisClusterTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Every test of {@link RoutingEngineTest} again, with routing-service on a real three-node Redis Cluster. */
@QuarkusTest
@TestProfile(RedisClusterProfile.class)
class RoutingEngineOnRedisClusterTest extends RoutingEngineTest {

    /** The store failure a test injects (an ACL) reaches every node, not the one a keyless command lands on. */
    @Override
    void acl(String... args) {
        List<String> command = new ArrayList<>(List.of("ACL"));
        command.addAll(List.of(args));
        RedisClusterTestResource.cluster().onEveryNode(command.toArray(String[]::new));
    }
}
