package io.chatroute.routing.messaging;

import java.util.List;

import io.chatroute.infra.test.RedisClusterTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;

/** routing-service on a real three-node Redis Cluster instead of one Redis server. */
public class RedisClusterProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(RedisClusterTestResource.class));
    }
}
