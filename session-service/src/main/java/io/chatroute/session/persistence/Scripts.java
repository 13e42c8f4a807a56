package io.chatroute.session.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/** Runs the Lua scripts under resources/lua (blocking: call from worker threads only). */
@ApplicationScoped
public class Scripts {

    public static final String CREATE_CHAT = "create_chat";
    public static final String POST_MESSAGE = "post_message";
    public static final String CLOSE_CHAT = "close_chat";
    public static final String ANSWER_OFFER = "answer_offer";
    public static final String PROJECT = "project";
    public static final String OUTBOX_LEASE = "outbox_lease";

    private final RedisDataSource redis;
    private final java.util.Map<String, String> sources = new java.util.concurrent.ConcurrentHashMap<>();

    public Scripts(RedisDataSource redis) {
        this.redis = redis;
    }

    public Response eval(String script, List<String> keys, List<String> args) {
        List<String> command = new ArrayList<>(2 + keys.size() + args.size());
        command.add(source(script));
        command.add(Integer.toString(keys.size()));
        command.addAll(keys);
        command.addAll(args);
        return redis.execute("EVAL", command.toArray(String[]::new));
    }

    private String source(String name) {
        return sources.computeIfAbsent(name, n -> {
            try (InputStream in = Scripts.class.getResourceAsStream("/lua/" + n + ".lua")) {
                if (in == null) {
                    throw new IllegalStateException("missing script " + n);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
