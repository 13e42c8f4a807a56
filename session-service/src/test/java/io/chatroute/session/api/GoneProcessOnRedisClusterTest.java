package io.chatroute.session.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every test of {@link GoneProcessTest} again on a real three-node Redis Cluster: agent sockets counted per process,
 * heartbeats, recounts and the release of a gone process's sockets, whose steps span an agent's and a process's keys.
 */
@QuarkusTest
@TestProfile(RedisClusterProfile.class)
class GoneProcessOnRedisClusterTest extends GoneProcessTest {
}
