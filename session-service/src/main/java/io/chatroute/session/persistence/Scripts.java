package io.chatroute.session.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Runs the Lua scripts under resources/lua by EVALSHA, loading a script once per Redis server (EVAL on NOSCRIPT):
 * {@link #eval} blocks (worker threads only), {@link #evalAsync} does not (the event loop's path: no thread
 * hand-over, the reply is handled where it arrives).
 *
 * <p>Every script is wrapped so that it can call {@code outbox(stream, id, type, key, topic, time, data)}: the
 * entry is appended to the outbox stream (its partition's) in the same atomic step as the state change, and also
 * returned to the caller ({@link Result#emitted()}), which publishes it at once; the stream is the safety net for
 * crashes. And {@code counts(hash, here, version)}: an agent's socket counts per process, for the caller to add up.
 */
@ApplicationScoped
public class Scripts {

    public static final String CREATE_CHAT = "create_chat";
    public static final String POST_MESSAGE = "post_message";
    public static final String CLOSE_CHAT = "close_chat";
    public static final String ANSWER_OFFER = "answer_offer";
    public static final String APPEND_EVENT = "append_event";
    public static final String PROJECT = "project";
    public static final String OUTBOX_LEASE = "outbox_lease";
    public static final String AGENT_SOCKET = "agent_socket";
    public static final String INSTANCE_GONE = "instance_gone";
    public static final String HEARTBEAT = "heartbeat";
    public static final String AGENT_SOCKET_RESET = "agent_socket_reset";
    public static final String RATE_WINDOW = "rate_window";
    public static final String CHAT_EVENT = "chat_event";
    public static final String SIGNAL = "signal";
    public static final String KEEP_SUGGESTIONS = "keep_suggestions";

    /** An outbox entry a script appended: its stream id, the event to publish, and the stream (its partition's outbox). */
    public record Emitted(String streamId, String id, String type, String key, String topic, String time, String data,
                          String stream) {
    }

    /** The script's own result and the outbox entries it appended, in order. */
    public record Result(Response value, List<Emitted> emitted) {
    }

    private record Loaded(String source, String sha) {
    }

    /**
     * Prepended to every script. Redis Cluster: every key a script touches is declared in KEYS (touching any other is an
     * error, checked here on every call) and all of a script's KEYS are in one slot ({@link Keys#checkOneSlot}, before
     * every call), so every script runs unchanged on a cluster. Scripts use {@code call()}, never {@code redis.call()}.
     */
    private static final String PRELUDE = """
            local __declared = {}
            for _, k in ipairs(KEYS) do __declared[k] = true end
            local function call(cmd, key, ...)
              if key == nil or key == '' or not __declared[key] then
                return error('session script touched an undeclared key: ' .. cmd .. ' ' .. tostring(key))
              end
              return redis.call(cmd, key, ...)
            end
            local __emitted = {}
            local function outbox(stream, id, etype, key, topic, time, data)
              local sid = call('XADD', stream, '*', 'id', id, 'type', etype, 'key', key, 'topic', topic,
                'time', time, 'data', data)
              __emitted[#__emitted + 1] = {sid, id, etype, key, topic, time, data, stream}
            end
            local function counts(hash, here, version)
              local out = {here, version}
              local all = call('HGETALL', hash)
              for i = 1, #all, 2 do
                if all[i] ~= '_version' then
                  out[#out + 1] = all[i]
                  out[#out + 1] = all[i + 1]
                end
              end
              return out
            end
            local __result = (function()
            """;
    private static final String EPILOGUE = """

            end)()
            return {__result, __emitted}
            """;

    private final RedisDataSource redis;
    private final ReactiveRedisDataSource reactive;
    private final Map<String, Loaded> scripts = new ConcurrentHashMap<>();

    public Scripts(RedisDataSource redis, ReactiveRedisDataSource reactive) {
        this.redis = redis;
        this.reactive = reactive;
    }

    public Result eval(String script, List<String> keys, List<String> args) {
        Loaded loaded = scripts.computeIfAbsent(script, Scripts::load);
        String[] command = command(script, loaded, keys, args);
        Response r;
        try {
            r = redis.execute("EVALSHA", command);
        } catch (RuntimeException e) {
            if (!noScript(e)) {
                throw e;
            }
            command[0] = loaded.source();
            r = redis.execute("EVAL", command);
        }
        return result(r);
    }

    /** The same without blocking: safe on the event loop. */
    public Uni<Result> evalAsync(String script, List<String> keys, List<String> args) {
        Loaded loaded = scripts.computeIfAbsent(script, Scripts::load);
        String[] command = command(script, loaded, keys, args);
        return reactive.execute("EVALSHA", command)
                .onFailure(Scripts::noScript).recoverWithUni(e -> {
                    String[] withSource = command.clone();
                    withSource[0] = loaded.source();
                    return reactive.execute("EVAL", withSource);
                })
                .map(Scripts::result);
    }

    private static String[] command(String script, Loaded loaded, List<String> keys, List<String> args) {
        Keys.checkOneSlot(script, keys);
        String[] command = new String[2 + keys.size() + args.size()];
        command[0] = loaded.sha();
        command[1] = Integer.toString(keys.size());
        int i = 2;
        for (String k : keys) {
            command[i++] = k;
        }
        for (String a : args) {
            command[i++] = a;
        }
        return command;
    }

    private static boolean noScript(Throwable e) {
        return e.getMessage() != null && e.getMessage().contains("NOSCRIPT");
    }

    private static Result result(Response r) {
        List<Emitted> emitted = new ArrayList<>();
        Response entries = r.get(1);
        if (entries != null) {
            for (Response e : entries) {
                emitted.add(new Emitted(e.get(0).toString(), e.get(1).toString(), e.get(2).toString(), e.get(3).toString(),
                        e.get(4).toString(), e.get(5).toString(), e.get(6).toString(), e.get(7).toString()));
            }
        }
        return new Result(r.get(0), emitted);
    }

    private static Loaded load(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream("/lua/" + name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            String source = PRELUDE + new String(in.readAllBytes(), StandardCharsets.UTF_8) + EPILOGUE;
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new Loaded(source, HexFormat.of().formatHex(sha));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
