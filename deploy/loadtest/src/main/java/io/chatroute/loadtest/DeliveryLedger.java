package io.chatroute.loadtest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The delivery accounting of a run. Every message the tool sends carries a unique key (its clientMsgId, also
 * embedded in the text), so a delivery is matched to its message whatever order the ack and the delivery
 * arrive in.
 *
 * <ul>
 *   <li><b>lost</b>: acknowledged by an {@code ack} frame, never delivered to the other side;</li>
 *   <li><b>duplicate</b>: the same seq arriving twice on one connection for one chat, or the same message
 *       delivered a second time under any seq;</li>
 *   <li><b>reordered</b>: a seq lower than one already received on that connection for that chat;</li>
 *   <li><b>seq mismatch</b>: delivered under another seq than its ack named;</li>
 *   <li><b>refused</b>: answered by an {@code error} frame that names its clientMsgId and refuses it for good
 *       ({@code chat-closed}, {@code chat-not-found}, {@code not-assigned}, {@code validation}: a message sent as the
 *       chat closed gets {@code chat-closed}): nothing was stored, so it is neither acknowledged nor lost. One that is
 *       acknowledged or delivered all the same is counted in <b>refusedButStored</b>, which fails the run;</li>
 *   <li><b>unacked</b>: sent, and answered by neither an ack nor an error naming it.</li>
 *   <li><b>resent</b> (not a failure): a message delivered on one connection and again, under the same seq, on a
 *       later connection of the same side that resumed below that seq ({@code afterSeq}): a client resumes from the
 *       last seq up to which it holds every message, so what it holds above that comes again, and it keeps it once.
 *       The same on a connection that did not resume below it counts as a duplicate.</li>
 * </ul>
 * A message from the {@code POST /api/v1/chats} body has no ack frame: it counts as delivered when it arrives
 * (live or in the backlog after assignment) but never as lost. Not thread-safe by design beyond the monitor:
 * every method is synchronized.
 */
final class DeliveryLedger {

    enum Side { VISITOR, AGENT }

    /** What one delivery turned out to be. */
    enum Outcome { DELIVERED, DUPLICATE, REORDERED, RESENT, UNKNOWN }

    /** One message the tool sent. */
    static final class Message {
        final String key;
        final String chatId;
        final Side from;
        final long sentNanos;
        final boolean fromPost;
        long ackSeq = -1;
        long deliveredSeq = -1;
        long deliveredNanos = -1;
        /** The connection it was first delivered on. */
        String deliveredOn;
        int deliveries;
        /** The code of the error frame that refused it (chat-closed...), null unless refused. */
        String refused;
        /** Refused and acknowledged or delivered all the same (counted once). */
        boolean refusedButStored;

        Message(String key, String chatId, Side from, long sentNanos, boolean fromPost) {
            this.key = key;
            this.chatId = chatId;
            this.from = from;
            this.sentNanos = sentNanos;
            this.fromPost = fromPost;
        }

        boolean acked() {
            return ackSeq >= 0;
        }

        boolean delivered() {
            return deliveries > 0;
        }
    }

    /** The counts at one moment. */
    record Counts(long sent, long acked, long delivered, long lost, long duplicates, long reordered,
                  long seqMismatches, long unacked, long unknownDeliveries, long postMessages, long postDelivered,
                  long refused, long refusedButStored) {
    }

    private static final class Stream {
        final Set<Long> seen = new HashSet<>();
        long maxSeq = Long.MIN_VALUE;
    }

    private final Map<String, Message> messages = new HashMap<>();
    private final Map<String, Stream> streams = new HashMap<>();
    /** Indexed by the sender's {@link Side#ordinal()}; duplicates of unknown messages in {@link #unknownDuplicates}. */
    private final long[] duplicates = new long[2];
    private final long[] reordered = new long[2];
    private final long[] seqMismatches = new long[2];
    private long unknownDuplicates;
    private long unknown;
    private long resent;
    private long ackedUndelivered;
    /** Messages both refused for good and acknowledged or delivered: the refusal was untrue (a failure of the run). */
    private long refusedButStored;

    /** Registers a message as sent; {@code fromPost} for the first message carried by the chat's POST. */
    synchronized Message sent(String key, String chatId, Side from, long nanos, boolean fromPost) {
        Message m = new Message(key, chatId, from, nanos, fromPost);
        if (messages.putIfAbsent(key, m) != null) {
            throw new IllegalArgumentException("message key used twice: " + key);
        }
        return m;
    }

    /** An {@code ack} for {@code key} naming {@code seq}; null for a key this ledger never sent. */
    synchronized Message acked(String key, long seq) {
        Message m = messages.get(key);
        if (m == null) {
            return null;
        }
        if (m.ackSeq < 0) {
            m.ackSeq = seq;
            if (m.refused != null) {
                contradicted(m);
            }
            if (!m.delivered()) {
                ackedUndelivered++;
            } else if (m.deliveredSeq != seq) {
                seqMismatches[m.from.ordinal()]++;
            }
        }
        return m;
    }

    /**
     * An {@code error} frame naming {@code key} (its clientMsgId): the message was refused, nothing stored. Null for
     * a key this ledger never sent; an error after an ack changes nothing (the ack stands).
     */
    synchronized Message refused(String key, String code) {
        Message m = messages.get(key);
        if (m == null) {
            return null;
        }
        if (m.refused == null) {
            m.refused = code == null ? "?" : code;
            if (m.acked() || m.delivered()) {
                contradicted(m);
            }
        }
        return m;
    }

    private void contradicted(Message m) {
        if (!m.refusedButStored) {
            m.refusedButStored = true;
            refusedButStored++;
        }
    }

    /** Whether every message of {@code keys} was answered (an ack or an error naming it). */
    synchronized boolean answered(Iterable<String> keys) {
        for (String k : keys) {
            Message m = messages.get(k);
            if (m != null && !m.fromPost && !m.acked() && m.refused == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * A {@code message} frame received on connection {@code connectionId} for {@code chatId} with {@code seq},
     * whose text carried {@code key} (null when it carried none of ours), on a connection that did not resume.
     */
    synchronized Outcome received(String connectionId, String chatId, long seq, String key, long nanos) {
        return received(connectionId, chatId, seq, key, nanos, Long.MAX_VALUE);
    }

    /**
     * The same on a connection that resumed the chat after {@code resumedAfter} (its {@code afterSeq}; Long.MAX_VALUE
     * when it did not): a message already delivered on another connection comes again under its seq above that as
     * {@link Outcome#RESENT}.
     */
    synchronized Outcome received(String connectionId, String chatId, long seq, String key, long nanos, long resumedAfter) {
        Stream stream = streams.computeIfAbsent(connectionId + '|' + chatId, k -> new Stream());
        boolean seqRepeated = !stream.seen.add(seq);
        boolean backwards = !seqRepeated && seq < stream.maxSeq;
        stream.maxSeq = Math.max(stream.maxSeq, seq);
        Message m = key == null ? null : messages.get(key);
        if (m == null) {
            unknown++;
            if (seqRepeated) {
                unknownDuplicates++;
                return Outcome.DUPLICATE;
            }
            return Outcome.UNKNOWN;
        }
        if (!seqRepeated && m.delivered() && !connectionId.equals(m.deliveredOn) && seq == m.deliveredSeq
                && seq > resumedAfter) {
            resent++;
            if (backwards) {
                reordered[m.from.ordinal()]++; // counted as reordered all the same: the resumed connection went back
            }
            return Outcome.RESENT;
        }
        if (seqRepeated || m.delivered()) {
            m.deliveries++;
            duplicates[m.from.ordinal()]++;
            return Outcome.DUPLICATE;
        }
        m.deliveries = 1;
        if (m.refused != null) {
            contradicted(m);
        }
        m.deliveredSeq = seq;
        m.deliveredNanos = nanos;
        m.deliveredOn = connectionId;
        if (m.acked()) {
            ackedUndelivered--;
            if (m.ackSeq != seq) {
                seqMismatches[m.from.ordinal()]++;
            }
        }
        if (backwards) {
            reordered[m.from.ordinal()]++;
            return Outcome.REORDERED;
        }
        return Outcome.DELIVERED;
    }

    /** Messages delivered again after a resume below their seq (not a failure, see the class comment). */
    synchronized long resent() {
        return resent;
    }

    /**
     * The messages of {@code keys} sent by {@code from} that are still unanswered (neither acked nor refused): what a
     * client that reconnects sends again, with the same clientMsgId.
     */
    synchronized List<String> unanswered(Iterable<String> keys, Side from) {
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            Message m = messages.get(k);
            if (m != null && m.from == from && !m.fromPost && !m.acked() && m.refused == null) {
                out.add(k);
            }
        }
        return out;
    }

    synchronized Message message(String key) {
        return messages.get(key);
    }

    /** Messages acknowledged and not (yet) delivered: the drain waits for this to reach 0. */
    synchronized long ackedUndelivered() {
        return ackedUndelivered;
    }

    synchronized Counts counts() {
        return counts(null);
    }

    /** The counts for messages sent by {@code from} (both sides when null). */
    synchronized Counts counts(Side from) {
        long sent = 0;
        long acked = 0;
        long delivered = 0;
        long lost = 0;
        long unacked = 0;
        long refused = 0;
        long posts = 0;
        long postsDelivered = 0;
        for (Message m : messages.values()) {
            if (from != null && m.from != from) {
                continue;
            }
            if (m.fromPost) {
                posts++;
                if (m.delivered()) {
                    postsDelivered++;
                }
                continue;
            }
            sent++;
            if (m.acked()) {
                acked++;
                if (!m.delivered()) {
                    lost++;
                }
            } else if (m.refused != null) {
                if (!m.delivered()) {
                    refused++;
                }
            } else {
                unacked++;
            }
            if (m.delivered()) {
                delivered++;
            }
        }
        long dup = from == null ? duplicates[0] + duplicates[1] + unknownDuplicates : duplicates[from.ordinal()];
        long reo = from == null ? reordered[0] + reordered[1] : reordered[from.ordinal()];
        long mism = from == null ? seqMismatches[0] + seqMismatches[1] : seqMismatches[from.ordinal()];
        return new Counts(sent, acked, delivered, lost, dup, reo, mism, unacked, unknown, posts, postsDelivered, refused,
                from == null ? refusedButStored : 0);
    }

    /**
     * What the record must hold, by chat: each acknowledged message under its acknowledged seq, each chat's first
     * message (the POST's, which has no ack frame: session stores it as seq 1 before it answers 201, and the ledger
     * knows only chats answered 201) under seq 1, assigned or not, and none refused for good. A message answered by
     * neither may or may not have been stored: not expected either way.
     */
    synchronized Map<String, List<RecordCheck.Expected>> expectedRecord() {
        Map<String, List<RecordCheck.Expected>> out = new java.util.LinkedHashMap<>();
        for (Message m : messages.values()) {
            RecordCheck.Expected e;
            if (m.acked()) {
                e = new RecordCheck.Expected(m.key, m.chatId, m.ackSeq, false);
            } else if (m.fromPost) {
                e = new RecordCheck.Expected(m.key, m.chatId, 1, false);
            } else if (m.refused != null && !m.delivered()) {
                e = new RecordCheck.Expected(m.key, m.chatId, -1, true);
            } else {
                continue;
            }
            out.computeIfAbsent(m.chatId, k -> new ArrayList<>()).add(e);
        }
        return out;
    }

    /** Up to {@code limit} acknowledged, undelivered messages (for the report). */
    synchronized List<Message> lost(int limit) {
        List<Message> out = new ArrayList<>();
        for (Message m : messages.values()) {
            if (m.acked() && !m.delivered() && !m.fromPost) {
                out.add(m);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    /** Whether every message named by {@code keys} (POST messages aside) has been acknowledged and delivered. */
    synchronized boolean allDelivered(Iterable<String> keys) {
        for (String key : keys) {
            Message m = messages.get(key);
            if (m != null && !m.fromPost && (!m.acked() || !m.delivered())) {
                return false;
            }
        }
        return true;
    }
}
