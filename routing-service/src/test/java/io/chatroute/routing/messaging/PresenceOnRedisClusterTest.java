package io.chatroute.routing.messaging;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Every test of {@link PresenceTest} again, with routing-service on a real three-node Redis Cluster. */
@QuarkusTest
@TestProfile(RedisClusterProfile.class)
class PresenceOnRedisClusterTest extends PresenceTest {
}
