package io.chatroute.session.persistence;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The Redis keys of session-service (architecture.md, "Redis keys (session-service)"), grouped for Redis Cluster.
 *
 * <p>Every chat and every agent belongs to one of {@link #PARTITIONS} partitions (CRC-32 of {@code c:<chatId>} or
 * {@code a:<agentId>}, modulo the count), and every key of a partition carries the hash tag <code>{p&lt;n&gt;}</code>, so
 * it lives in one cluster slot: a chat's hash, messages, client message ids, kept suggestions, its processed-event
 * markers, its visitor token, the idempotency record of its start and the outbox stream its events are appended to.
 * So every script that changes a chat touches one slot, and appends its events in the same atomic step. The outbox is
 * one stream per partition (no key that every message writes to); so are the visitors-seen sets.
 *
 * <p>Two keys are found by something other than the chat id, so the chat's identifiers are drawn to land in its
 * partition ({@link #visitorTokenPartition}, {@link #idempotencyPartition}): the visitor token (looked up by its hash
 * when the visitor calls) and the idempotency record (looked up by the Idempotency-Key before the chat exists).
 *
 * <p>The partition count decides every key name; it is fixed (changing it needs an empty Redis, or a migration).
 * Keys without a tag are never touched together with another key in one call: the per-process heartbeats and
 * registries, the relay lease, the start-rate windows.
 */
public final class Keys {

    /** Partitions of chats and agents (the same count and function as routing-service's default). */
    public static final int PARTITIONS = 64;

    /** Addition: the relay lease, so one instance sweeps at a time. */
    public static final String OUTBOX_LEASE = "session:outbox:lease";

    private Keys() {
    }

    public static int partition(String kind, String id) {
        CRC32 crc = new CRC32();
        crc.update((kind + ":" + id).getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % PARTITIONS);
    }

    public static int chatPartition(String chatId) {
        return partition("c", chatId);
    }

    public static int agentPartition(String agentId) {
        return partition("a", agentId);
    }

    /** The partition a visitor token's key is in (by the token's SHA-256); a new chat's token is drawn to match the chat's. */
    public static int visitorTokenPartition(String tokenSha256) {
        return partition("t", tokenSha256);
    }

    /** The partition an idempotency record is in; a chat started with that key gets an id in the same partition. */
    public static int idempotencyPartition(String recordId) {
        return partition("i", recordId);
    }

    private static String tag(int partition) {
        return "session:{p" + partition + "}:";
    }

    /** A partition's outbox stream: the events of its chats and agents, appended by the scripts that change them. */
    public static String outbox(int partition) {
        return tag(partition) + "outbox";
    }

    /** The outbox stream a chat's events go to. */
    public static String chatOutbox(String chatId) {
        return outbox(chatPartition(chatId));
    }

    /** The outbox stream an agent's events (presence requests) go to. */
    public static String agentOutbox(String agentId) {
        return outbox(agentPartition(agentId));
    }

    public static String chat(String chatId) {
        return tag(chatPartition(chatId)) + "chat:" + chatId;
    }

    public static String messages(String chatId) {
        return chat(chatId) + ":messages";
    }

    public static String clientMsgs(String chatId) {
        return chat(chatId) + ":client-msgs";
    }

    /**
     * Addition: the chat's latest knowledge-base suggestions (hash forSeq, items), kept briefly for the offers and
     * assignments that come after them.
     */
    public static String suggestions(String chatId) {
        return chat(chatId) + ":suggestions";
    }

    /** An event applied to the chat's projection (a marker per event id, in the chat's partition). */
    public static String processed(String chatId, String eventId) {
        return tag(chatPartition(chatId)) + "processed:" + eventId;
    }

    /**
     * Addition: when the chat's visitor was last known to have a socket open (sorted set chat id -> epoch ms, one per
     * partition), for the chats a visitor socket was ever opened for, until they close (VisitorPresence).
     */
    public static String visitorsSeen(String chatId) {
        return visitorsSeenShard(chatPartition(chatId));
    }

    public static String visitorsSeenShard(int partition) {
        return tag(partition) + "visitors-seen";
    }

    /**
     * The chats offered or assigned to an agent: a set that may hold more (an entry is added before the chat's
     * projection says so, and dropped once the chat is closed or gone, when the agent connects).
     */
    public static String agentChats(String agentId) {
        return tag(agentPartition(agentId)) + "agent:" + agentId + ":chats";
    }

    /** An agent's open sockets per instance (hash instance id -> count). */
    public static String agentSockets(String agentId) {
        return tag(agentPartition(agentId)) + "agent:" + agentId + ":sockets";
    }

    /** Chat starts from one client address in the current one-minute window. */
    public static String startRate(String address) {
        return "session:rate:start:" + address;
    }

    /** Chat starts by one platform (the token's subject) in the current one-minute window. */
    public static String platformStartRate(String subject) {
        return "session:rate:platform-start:" + subject;
    }

    /** A live process's heartbeat (expires when the process is gone). */
    public static String instance(String instanceId) {
        return "session:instance:" + instanceId;
    }

    /** Every process that ever counted an agent socket and was not yet released after it went away (a set). */
    public static final String INSTANCES = "session:instances";

    /** The agents a process counts sockets of (a set), so a gone process's sockets can be released agent by agent. */
    public static String instanceAgents(String instanceId) {
        return "session:instance-agents:" + instanceId;
    }

    /** The visitor token's key (its SHA-256): in the partition {@link #visitorTokenPartition} names. */
    public static String visitorToken(String sha256) {
        return tag(visitorTokenPartition(sha256)) + "visitor-token:" + sha256;
    }

    /** Addition: an idempotent POST /api/v1/chats answer, named by a hash of the Idempotency-Key. */
    public static String idempotency(String recordId) {
        return tag(idempotencyPartition(recordId)) + "idempotency:" + recordId;
    }

    /** The Redis Cluster slot of a key (CRC16/XMODEM of the hash tag, or of the key without one), modulo 16384. */
    public static int slot(String key) {
        int start = key.indexOf('{');
        if (start >= 0) {
            int end = key.indexOf('}', start + 1);
            if (end > start + 1) {
                key = key.substring(start + 1, end);
            }
        }
        int crc = 0;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xffff;
            }
        }
        return crc % 16384;
    }

    /** Throws unless all these keys are in one Redis Cluster slot (every script's keys must be). */
    public static void checkOneSlot(String script, List<String> keys) {
        int slot = -1;
        for (String k : keys) {
            int s = slot(k);
            if (slot >= 0 && s != slot) {
                throw new IllegalStateException("script " + script + " spans Redis Cluster slots: " + keys);
            }
            slot = s;
        }
    }
}
