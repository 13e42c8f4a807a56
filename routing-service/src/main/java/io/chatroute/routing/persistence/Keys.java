package io.chatroute.routing.persistence;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * routing-service's Redis keys, grouped for Redis Cluster. Every chat, agent and queue belongs to one of
 * {@code partitions} partitions (CRC-32 of {@code kind:id} modulo the count), and every key of a partition carries
 * the hash tag <code>{p&lt;n&gt;}</code>, so it lives in one cluster slot. A partition holds its own outbox stream and its
 * own timer set ({@code due}): a script that changes a chat can append the announcing event and schedule the chat's
 * deadlines atomically, because they are all in the chat's slot. Every script touches the keys of one partition only
 * (see {@link Scripts}); what spans partitions (an agent and a chat) is a sequence of such scripts (README, "Concurrency
 * and Redis Cluster").
 * <p>
 * Why not one tag per chat: a per-chat outbox or deadline set could not be swept without scanning the keyspace; a
 * partition's can. The partition count is fixed for a deployment (it decides every key name): {@code routing:partitions}
 * records it and the service refuses to start with another.
 * <p>
 * Keys without a tag (read and written by single commands, never inside a script and never per chat): the forms,
 * queues and rules ({@code routing:form:<id>}, {@code routing:forms}, {@code routing:queue:<id>}, {@code routing:queues},
 * {@code routing:rules}), the registry of agents ({@code routing:agents}) and of routing targets
 * ({@code routing:targets}), and the leases.
 */
public final class Keys {
    public static final String PREFIX = "routing:";

    private final int partitions;

    public Keys(int partitions) {
        if (partitions < 1 || partitions > 16384) {
            throw new IllegalArgumentException("partitions must be 1..16384");
        }
        this.partitions = partitions;
    }

    public int partitions() {
        return partitions;
    }

    public int partition(String kind, String id) {
        CRC32 crc = new CRC32();
        crc.update((kind + ":" + id).getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitions);
    }

    public int chatPartition(String chatId) {
        return partition("c", chatId);
    }

    public int agentPartition(String agentId) {
        return partition("a", agentId);
    }

    public int queuePartition(String queueId) {
        return partition("q", queueId);
    }

    public static String tag(int partition) {
        return PREFIX + "{p" + partition + "}:";
    }

    // ------------------------------------------------------------ per partition

    public static String outbox(int partition) {
        return tag(partition) + "outbox";
    }

    public static String due(int partition) {
        return tag(partition) + "due";
    }

    public static String processed(int partition, String eventId) {
        return tag(partition) + "processed:" + eventId;
    }

    // ------------------------------------------------------------ chats

    public String chat(String chatId) {
        return tag(chatPartition(chatId)) + "chat:" + chatId;
    }

    public String decisions(String chatId) {
        return chat(chatId) + ":decisions";
    }

    public String chatOutbox(String chatId) {
        return outbox(chatPartition(chatId));
    }

    public String chatDue(String chatId) {
        return due(chatPartition(chatId));
    }

    public String chatProcessed(String chatId, String eventId) {
        return processed(chatPartition(chatId), eventId);
    }

    // ------------------------------------------------------------ agents

    public String agent(String agentId) {
        return tag(agentPartition(agentId)) + "agent:" + agentId;
    }

    public String holds(String agentId) {
        return agent(agentId) + ":holds";
    }

    public String agentOutbox(String agentId) {
        return outbox(agentPartition(agentId));
    }

    public String agentDue(String agentId) {
        return due(agentPartition(agentId));
    }

    public String agentProcessed(String agentId, String eventId) {
        return processed(agentPartition(agentId), eventId);
    }

    // ------------------------------------------------------------ queues

    private String queue(String queueId) {
        return tag(queuePartition(queueId)) + "queue:" + queueId;
    }

    /** Sorted set of the queue's waiting (and reserved) chat ids, by {@code WaitingScore}. */
    public String waiting(String queueId) {
        return queue(queueId) + ":waiting";
    }

    /** Sorted set of the same chats by their original enqueue time (ms): the longest wait is its first entry. */
    public String since(String queueId) {
        return queue(queueId) + ":since";
    }

    /** Hash chat id -> the waiting entry (epoch, state, event template). */
    public String entries(String queueId) {
        return queue(queueId) + ":entries";
    }

    /** Hash chat id -> "epoch|position|eta" last announced in chat.queued. */
    public String announced(String queueId) {
        return queue(queueId) + ":announced";
    }

    /**
     * Hash chat id -> the newest epoch whose waiting entry was taken out (queue_unindex.lua): a waiting entry of that
     * epoch or an older one is not written again (queue_index.lua), so a step that read the chat as waiting just before
     * it was offered or closed cannot put it back in line nor announce it. Pruned by {@link #goneAt}.
     */
    public String gone(String queueId) {
        return queue(queueId) + ":gone";
    }

    /** Sorted set chat id -> when its {@link #gone} mark was written (ms): marks older than the retention are dropped. */
    public String goneAt(String queueId) {
        return queue(queueId) + ":gone-at";
    }

    /** Hash of the announcer's bookkeeping (lastAt). */
    public String announceMeta(String queueId) {
        return queue(queueId) + ":announce";
    }

    public String queueOutbox(String queueId) {
        return outbox(queuePartition(queueId));
    }

    public String queueDue(String queueId) {
        return due(queuePartition(queueId));
    }

    /** The UTC day's service-level counters of a queue (a hash with a TTL). */
    public String queueStats(String queueId, String day) {
        return queue(queueId) + ":stats:" + day;
    }

    /** Idempotency marker of one counted fact (e.g. a chat's answer) in the queue's partition. */
    public String queueMarker(String queueId, String fact) {
        return queue(queueId) + ":counted:" + fact;
    }

    /** Sorted set of recent answers (member chat:epoch, score ms), trimmed to the estimate window. */
    public String answers(String queueId) {
        return queue(queueId) + ":answers";
    }

    /** Sorted set of recent arrivals (member chat id, score ms), trimmed to the estimate window. */
    public String arrivals(String queueId) {
        return queue(queueId) + ":arrivals";
    }

    /** List of recent handle times (ms), the newest first, capped. */
    public String handleTimes(String queueId) {
        return queue(queueId) + ":handle";
    }

    /** Candidate index of a routing target: AVAILABLE agents with a free slot, by {@code AgentSelector.indexScore}. */
    public String candidates(String queueId, String targetId) {
        return queue(queueId) + ":cand:" + targetId;
    }

    /** Hash agent id -> "ver|status|active|max|grace" of every agent seen for the target (its aggregate's terms). */
    public String able(String queueId, String targetId) {
        return queue(queueId) + ":able:" + targetId;
    }

    /** Hash of the target's aggregates: able, available, slots, free, busy. */
    public String aggregate(String queueId, String targetId) {
        return queue(queueId) + ":agg:" + targetId;
    }

    // ------------------------------------------------------------ no tag (config, registries, leases)

    public static final String AGENTS = PREFIX + "agents";
    public static final String TARGETS = PREFIX + "targets";
    public static final String PARTITIONS = PREFIX + "partitions";
    public static final String OUTBOX_LEASE = PREFIX + "outbox:lease";
    public static final String RECONCILE_LEASE = PREFIX + "reconcile:lease";

    /** The Redis Cluster slot of a key (CRC16/XMODEM of the hash tag, or of the key without one), modulo 16384. */
    public static int slot(String key) {
        int start = key.indexOf('{');
        if (start >= 0) {
            int end = key.indexOf('}', start + 1);
            if (end > start + 1) {
                key = key.substring(start + 1, end);
            }
        }
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int crc = 0;
        for (byte b : bytes) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xffff;
            }
        }
        return crc % 16384;
    }
}
