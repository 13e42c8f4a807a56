package io.chatroute.routing.persistence;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.RequestImpl;

/**
 * Pipelined requests on one Redis server or on a Redis Cluster. The Vert.x cluster client refuses a batch whose keys are
 * in more than one slot ("client side resharding is not supported"), so on a cluster a batch is split by slot: each
 * slot's requests go as one pipelined batch (in their order: the only order a cluster keeps), the slots' batches at the
 * same time on one cluster connection, and the answers come back in the order of the requests. On one server a batch is sent as it is.
 * (Found by running routing's tests on a real cluster: every batch that read several chats, agents or outbox streams
 * failed there, although every script was single-slot.)
 */
public final class Pipelines {

    private final Redis redis;
    private final boolean cluster;

    public Pipelines(Redis redis, boolean cluster) {
        this.redis = redis;
        this.cluster = cluster;
    }

    /** Whether this is a Redis Cluster client ({@code quarkus.redis.client-type=cluster}). */
    public boolean cluster() {
        return cluster;
    }

    public Uni<List<Response>> batch(List<Request> requests) {
        if (!cluster || requests.size() <= 1) {
            return redis.batch(requests);
        }
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            bySlot.computeIfAbsent(slot(requests.get(i)), s -> new ArrayList<>()).add(i);
        }
        if (bySlot.size() == 1) {
            return redis.batch(requests);
        }
        List<List<Integer>> groups = new ArrayList<>(bySlot.values());
        // one cluster connection (one socket per node) carries every slot's batch: a pooled call per slot would take a
        // cluster connection each, and as many slots as a batch spans exhaust the pool
        return redis.connect().chain(connection -> {
            List<Uni<List<Response>>> sent = new ArrayList<>(groups.size());
            for (List<Integer> group : groups) {
                List<Request> part = new ArrayList<>(group.size());
                group.forEach(i -> part.add(requests.get(i)));
                sent.add(connection.batch(part));
            }
            return Uni.join().all(sent).andFailFast().eventually(connection::close);
        }).map(answers -> {
            Response[] out = new Response[requests.size()];
            for (int g = 0; g < groups.size(); g++) {
                List<Integer> group = groups.get(g);
                List<Response> answer = answers.get(g);
                for (int j = 0; j < group.size(); j++) {
                    out[group.get(j)] = answer.get(j);
                }
            }
            return Arrays.asList(out);
        });
    }

    /** The slot of a request's first key (the client's own reading of the command's keys), -1 for one without keys. */
    static int slot(Request request) {
        if (request.getDelegate() instanceof RequestImpl impl) {
            List<byte[]> keys = impl.keys();
            if (!keys.isEmpty()) {
                return Keys.slot(new String(keys.get(0), StandardCharsets.UTF_8));
            }
        }
        return -1;
    }
}
