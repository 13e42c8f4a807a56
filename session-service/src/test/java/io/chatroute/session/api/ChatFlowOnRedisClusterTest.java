package io.chatroute.session.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.RedisClusterTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every test of {@link ChatFlowTest} again, with session-service on a real three-node Redis Cluster: chat starts,
 * messages, offers, assignments, closes, surveys, tags, resumes and the agent's index, each script in the slot of its
 * keys (a script spanning slots would fail with CROSSSLOT, a key on another node with MOVED).
 */
@QuarkusTest
@TestProfile(RedisClusterProfile.class)
class ChatFlowOnRedisClusterTest extends ChatFlowTest {

    /** The client really talks to the cluster, and a few chats' keys spread over all three nodes. */
    @Test
    void chatsSpreadOverTheNodes() {
        assertThat(redis.execute("CLUSTER", "INFO").toString()).contains("cluster_state:ok");
        for (int i = 0; i < 24; i++) {
            assertThat(createChat(FULL_BODY).statusCode()).isEqualTo(201);
        }
        assertThat(RedisClusterTestResource.cluster().keysPerNode()).hasSize(3).allMatch(n -> n > 0);
    }
}
