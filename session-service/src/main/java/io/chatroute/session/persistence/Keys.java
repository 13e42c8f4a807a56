package io.chatroute.session.persistence;

/** The Redis keys of session-service (architecture.md, "Redis keys (session-service)"). */
public final class Keys {

    public static final String OUTBOX = "session:outbox";
    /** Addition: the relay lease, so one instance relays at a time. */
    public static final String OUTBOX_LEASE = "session:outbox:lease";

    /** How many sorted sets {@link #visitorsSeen(String)} spreads the chats over (no single hot key). */
    public static final int VISITORS_SEEN_SHARDS = 16;

    private Keys() {
    }

    public static String chat(String chatId) {
        return "session:chat:" + chatId;
    }

    public static String messages(String chatId) {
        return "session:chat:" + chatId + ":messages";
    }

    public static String clientMsgs(String chatId) {
        return "session:chat:" + chatId + ":client-msgs";
    }

    /**
     * Addition: the chat's latest knowledge-base suggestions (hash forSeq, items), kept briefly for the offers and
     * assignments that come after them.
     */
    public static String suggestions(String chatId) {
        return "session:chat:" + chatId + ":suggestions";
    }

    /**
     * Addition: when the chat's visitor was last known to have a socket open (sorted set chat id -> epoch ms, one of
     * {@link #VISITORS_SEEN_SHARDS} by the chat id), for the chats a visitor socket was ever opened for, until they close
     * (VisitorPresence).
     */
    public static String visitorsSeen(String chatId) {
        return visitorsSeenShard(Math.floorMod(chatId.hashCode(), VISITORS_SEEN_SHARDS));
    }

    public static String visitorsSeenShard(int shard) {
        return "session:visitors:seen:" + shard;
    }

    /** The chats offered or assigned to an agent (a set maintained by the projection). */
    public static String agentChats(String agentId) {
        return "session:agent:" + agentId + ":chats";
    }

    /** An agent's open sockets per instance (hash instance id -> count). */
    public static String agentSockets(String agentId) {
        return "session:agent:" + agentId + ":sockets";
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

    public static String visitorToken(String sha256) {
        return "session:visitor-token:" + sha256;
    }

    public static String processed(String eventId) {
        return "session:processed:" + eventId;
    }

    /** Addition: an idempotent POST /api/v1/chats answer, named by a hash of the Idempotency-Key. */
    public static String idempotency(String recordId) {
        return "session:idempotency:" + recordId;
    }
}
