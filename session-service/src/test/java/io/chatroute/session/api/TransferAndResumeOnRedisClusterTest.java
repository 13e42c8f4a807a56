package io.chatroute.session.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Every test of {@link TransferAndResumeTest} again on a real three-node Redis Cluster. */
@QuarkusTest
@TestProfile(RedisClusterProfile.class)
class TransferAndResumeOnRedisClusterTest extends TransferAndResumeTest {
}
