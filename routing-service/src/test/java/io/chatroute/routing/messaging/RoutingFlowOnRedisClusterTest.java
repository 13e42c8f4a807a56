package io.chatroute.routing.messaging;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Every test of {@link RoutingFlowTest} again, with routing-service on a real three-node Redis Cluster. */
@QuarkusTest
@TestProfile(RedisClusterProfile.class)
class RoutingFlowOnRedisClusterTest extends RoutingFlowTest {
}
