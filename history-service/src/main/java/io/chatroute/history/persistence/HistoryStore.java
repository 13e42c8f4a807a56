package io.chatroute.history.persistence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hibernate.reactive.mutiny.Mutiny;

import io.chatroute.history.domain.ChatEvent;
import io.chatroute.history.domain.ChatState;
import io.chatroute.history.domain.Transcript;
import io.chatroute.history.domain.TranscriptQuery;
import io.chatroute.history.domain.TranscriptSummary;
import io.chatroute.history.domain.Visitor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The transcript store (PostgreSQL through Hibernate Reactive). Every write happens in one transaction
 * together with the {@code processed_event} rows of the events that cause it: one transaction per consumed
 * batch.
 */
@ApplicationScoped
public class HistoryStore {

    private final Mutiny.SessionFactory sessions;

    public HistoryStore(Mutiny.SessionFactory sessions) {
        this.sessions = sessions;
    }

    /** A page of transcripts and the number of matches in all. */
    public record Page(List<TranscriptSummary> items, long total) {
    }

    /**
     * Applies a batch of events in ONE transaction, in the given (record) order: each event whose id has not
     * been applied before (by an earlier batch, or earlier in this one) changes the state, and its
     * {@code processed_event} row is inserted in the same transaction. Everything commits together or nothing
     * does, so running the same batch again after a failure is harmless. Returns how many events were applied
     * (the rest were repeats).
     *
     * <p>Per batch, not per event: one multi-row {@code INSERT … ON CONFLICT DO NOTHING RETURNING} claims the
     * ids (race-safe against another consumer holding the same partition during a rebalance: the second
     * inserter waits for the first one's commit and gets nothing back), one query loads the batch's chats, one
     * the agents of the chats with an assignment, one multi-row insert stores the messages (once per
     * {@code (chat, seq)}: {@code ON CONFLICT DO NOTHING}), and the changed chats are written at the flush.
     */
    public Uni<Integer> applyBatch(List<PendingEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        Map<String, PendingEvent> firstById = new LinkedHashMap<>();
        for (PendingEvent e : events) {
            firstById.putIfAbsent(e.eventId(), e);
        }
        List<PendingEvent> unique = new ArrayList<>(firstById.values());
        return sessions.withTransaction((session, tx) -> claim(session, unique).chain(claimed -> {
            List<PendingEvent> fresh = unique.stream().filter(e -> claimed.contains(e.eventId())).toList();
            return fresh.isEmpty() ? Uni.createFrom().item(0) : applyAll(session, fresh).replaceWith(fresh.size());
        }));
    }

    /** Inserts the processed_event rows; returns the ids that were not there yet (those to apply). */
    private static Uni<Set<String>> claim(Mutiny.Session session, List<PendingEvent> events) {
        Set<String> claimed = new HashSet<>();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (List<PendingEvent> chunk : chunks(events, CHUNK)) {
            chain = chain.chain(() -> {
                StringBuilder sql = new StringBuilder("INSERT INTO processed_event (event_id, type) VALUES ");
                for (int i = 0; i < chunk.size(); i++) {
                    sql.append(i == 0 ? "" : ", ").append("(:i").append(i).append(", :t").append(i).append(')');
                }
                sql.append(" ON CONFLICT DO NOTHING RETURNING event_id");
                Mutiny.SelectionQuery<String> q = session.createNativeQuery(sql.toString(), String.class);
                for (int i = 0; i < chunk.size(); i++) {
                    q.setParameter("i" + i, chunk.get(i).eventId());
                    q.setParameter("t" + i, chunk.get(i).type());
                }
                return q.getResultList().invoke(claimed::addAll).replaceWithVoid();
            });
        }
        return chain.replaceWith(claimed);
    }

    private Uni<Void> applyAll(Mutiny.Session session, List<PendingEvent> events) {
        Instant now = Instant.now();
        List<String> chatIds = events.stream().map(e -> e.event().chatId()).distinct().toList();
        List<String> assignedChats = events.stream().filter(e -> e.event() instanceof ChatEvent.Assigned)
                .map(e -> e.event().chatId()).distinct().toList();
        return session.createSelectionQuery("from ChatEntity c where c.id in :ids", ChatEntity.class)
                .setParameter("ids", chatIds).getResultList()
                .chain(chats -> (assignedChats.isEmpty() ? Uni.createFrom().item(List.<ChatAgentEntity>of())
                        : session.createSelectionQuery("from ChatAgentEntity a where a.chatId in :ids", ChatAgentEntity.class)
                                .setParameter("ids", assignedChats).getResultList())
                        .chain(agents -> {
                            Map<String, ChatEntity> chatById = new HashMap<>();
                            chats.forEach(c -> chatById.put(c.id, c));
                            Map<ChatAgentEntity.Key, ChatAgentEntity> agentByKey = new HashMap<>();
                            agents.forEach(a -> agentByKey.put(new ChatAgentEntity.Key(a.chatId, a.agentId), a));
                            List<Object> created = new ArrayList<>();
                            Map<String, MessageEntity> messages = new LinkedHashMap<>();
                            // chat.tagged replaces the chat's tags: within a batch the chat's last one wins
                            Map<String, ChatEvent.Tagged> tagged = new LinkedHashMap<>();
                            for (PendingEvent pending : events) {
                                ChatEvent event = pending.event();
                                ChatEntity chat = chatById.computeIfAbsent(event.chatId(), id -> {
                                    ChatEntity c = ChatEntity.create(id, now);
                                    created.add(c);
                                    return c;
                                });
                                chat.copyFrom(chat.toState().apply(event), now);
                                switch (event) {
                                    case ChatEvent.Assigned a -> recordAgent(a, agentByKey, created);
                                    // a message is stored once per (chat, seq): a second copy under another id changes nothing
                                    case ChatEvent.MessagePosted m ->
                                            messages.putIfAbsent(m.chatId() + '\u0000' + m.seq(), MessageEntity.of(m.chatId(), m.toMessage()));
                                    case ChatEvent.Tagged t -> {
                                        tagged.remove(t.chatId());
                                        tagged.put(t.chatId(), t);
                                    }
                                    default -> { }
                                }
                            }
                            Uni<Void> persisted = created.isEmpty() ? Uni.createFrom().voidItem()
                                    : session.persistAll(created.toArray());
                            // the chats (new ones and changes) must be written before their messages reference them
                            return persisted.chain(session::flush)
                                    .chain(() -> insertMessages(session, new ArrayList<>(messages.values())))
                                    .chain(() -> writeTags(session, new ArrayList<>(tagged.values()), now));
                        }));
    }

    private static void recordAgent(ChatEvent.Assigned a, Map<ChatAgentEntity.Key, ChatAgentEntity> agents,
                                     List<Object> created) {
        ChatAgentEntity row = agents.computeIfAbsent(new ChatAgentEntity.Key(a.chatId(), a.agentId()), k -> {
            ChatAgentEntity r = new ChatAgentEntity();
            r.chatId = a.chatId();
            r.agentId = a.agentId();
            created.add(r);
            return r;
        });
        if (a.agent() != null) {
            row.displayName = a.agent().displayName();
            row.title = a.agent().title();
            row.avatarUrl = a.agent().avatarUrl();
        }
        row.assignedAt = a.assignedAt();
    }

    /** The tag sets of chat.tagged events, one chat after the other (the chats exist: they were flushed). */
    private static Uni<Void> writeTags(Mutiny.Session session, List<ChatEvent.Tagged> tagged, Instant now) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (ChatEvent.Tagged t : tagged) {
            chain = chain.chain(() -> TagWrites.replace(session, t.chatId(), t.tags(),
                    t.taggedAt() == null ? now : t.taggedAt()));
        }
        return chain;
    }

    /** One multi-row insert per chunk; a (chat, seq) already stored keeps its first copy. */
    private static Uni<Void> insertMessages(Mutiny.Session session, List<MessageEntity> messages) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (List<MessageEntity> chunk : chunks(messages, CHUNK)) {
            chain = chain.chain(() -> {
                StringBuilder sql = new StringBuilder("INSERT INTO message (chat_id, seq, message_id, client_msg_id,"
                        + " sender_kind, sender_id, text, language, sent_at) VALUES ");
                for (int i = 0; i < chunk.size(); i++) {
                    sql.append(i == 0 ? "" : ", ").append("(:c").append(i).append(", :s").append(i).append(", :m")
                            .append(i).append(", :k").append(i).append(", :f").append(i).append(", :u").append(i)
                            .append(", :x").append(i).append(", :l").append(i).append(", :a").append(i).append(')');
                }
                sql.append(" ON CONFLICT (chat_id, seq) DO NOTHING");
                Mutiny.MutationQuery q = session.createNativeQuery(sql.toString());
                for (int i = 0; i < chunk.size(); i++) {
                    MessageEntity m = chunk.get(i);
                    q.setParameter("c" + i, m.chatId);
                    q.setParameter("s" + i, m.seq);
                    q.setParameter("m" + i, m.messageId);
                    q.setParameter("k" + i, m.clientMsgId);
                    q.setParameter("f" + i, m.senderKind);
                    q.setParameter("u" + i, m.senderId);
                    q.setParameter("x" + i, m.text);
                    q.setParameter("l" + i, m.language);
                    q.setParameter("a" + i, m.sentAt);
                }
                return q.executeUpdate().replaceWithVoid();
            });
        }
        return chain;
    }

    /** Rows per multi-row statement: far below PostgreSQL's 65,535 bind parameters. */
    private static final int CHUNK = 500;

    private static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            out.add(items.subList(i, Math.min(items.size(), i + size)));
        }
        return out;
    }

    /** Has this event id been applied? */
    public Uni<Boolean> isProcessed(String eventId) {
        return sessions.withSession(session -> session
                .createNativeQuery("SELECT count(*) FROM processed_event WHERE event_id = :id", Long.class)
                .setParameter("id", eventId)
                .getSingleResult()
                .map(n -> n > 0));
    }

    /** The full transcript, or null for a chat history has never heard of. */
    public Uni<Transcript> transcript(String chatId) {
        return sessions.withSession(session -> session.find(ChatEntity.class, chatId).chain(chat -> {
            if (chat == null) {
                return Uni.createFrom().nullItem();
            }
            return session.createSelectionQuery(
                            "from ChatAgentEntity a where a.chatId = :chat order by a.assignedAt, a.agentId", ChatAgentEntity.class)
                    .setParameter("chat", chatId).getResultList()
                    .chain(agents -> session.createSelectionQuery(
                                    "from MessageEntity m where m.chatId = :chat order by m.seq", MessageEntity.class)
                            .setParameter("chat", chatId).getResultList()
                            .chain(messages -> session.createNativeQuery(
                                            "SELECT tag FROM chat_tag WHERE chat_id = :chat ORDER BY tag", String.class)
                                    .setParameter("chat", chatId).getResultList()
                                    .chain(tags -> session.find(SurveyEntity.class, chatId)
                                            .map(survey -> toTranscript(chat, agents, messages, tags, survey)))));
        }));
    }

    private static Transcript toTranscript(ChatEntity c, List<ChatAgentEntity> agents, List<MessageEntity> messages,
                                           List<String> tags, SurveyEntity survey) {
        return new Transcript(c.id, c.status, c.formId,
                new Visitor(c.visitorName, c.visitorEmail, c.visitorLocale, c.customerId),
                c.form == null ? Map.of() : new LinkedHashMap<>(c.form), c.initialMessage, c.queueId, c.agentId,
                agents.stream().map(a -> new Transcript.Agent(a.agentId, a.displayName, a.title, a.avatarUrl, a.assignedAt)).toList(),
                new Transcript.Times(c.requestedAt, c.queuedAt, c.assignedAt, c.closedAt), c.closedBy,
                c.ruleId == null && c.queuedAt == null ? null
                        : new Transcript.Routing(c.queueId, c.ruleId, c.priority, c.requiredSkills),
                messages.stream().map(MessageEntity::toMessage).toList(), tags,
                survey == null ? null : new Transcript.Survey(survey.csat, survey.ces, survey.comment, survey.submittedAt));
    }

    /** Transcripts matching the filters, newest first (by the time the chat was requested, else first seen). */
    public Uni<Page> search(TranscriptQuery q) {
        StringBuilder where = new StringBuilder(" where 1 = 1");
        Map<String, Object> params = new LinkedHashMap<>();
        if (q.customerId() != null) {
            where.append(" and c.customerId = :customerId");
            params.put("customerId", q.customerId());
        }
        if (q.queueId() != null) {
            where.append(" and c.queueId = :queueId");
            params.put("queueId", q.queueId());
        }
        if (q.agentId() != null) {
            where.append(" and (c.agentId = :agentId or exists (select 1 from ChatAgentEntity a"
                    + " where a.chatId = c.id and a.agentId = :agentId))");
            params.put("agentId", q.agentId());
        }
        if (q.from() != null) {
            where.append(" and coalesce(c.requestedAt, c.createdAt) >= :from");
            params.put("from", q.from());
        }
        if (q.to() != null) {
            where.append(" and coalesce(c.requestedAt, c.createdAt) < :to");
            params.put("to", q.to());
        }
        String select = "from ChatEntity c" + where + " order by coalesce(c.requestedAt, c.createdAt) desc, c.id desc";
        return sessions.withSession(session -> {
            Mutiny.SelectionQuery<ChatEntity> list = session.createSelectionQuery(select, ChatEntity.class);
            Mutiny.SelectionQuery<Long> count = session.createSelectionQuery("select count(c) from ChatEntity c" + where, Long.class);
            params.forEach(list::setParameter);
            params.forEach(count::setParameter);
            return count.getSingleResult().chain(total -> list.setFirstResult(q.offset()).setMaxResults(q.size())
                    .getResultList()
                    .chain(chats -> agentsOf(session, chats).map(agentIds -> new Page(chats.stream()
                            .map(c -> new TranscriptSummary(c.id, c.status, c.customerId, c.visitorName, c.queueId,
                                    c.agentId, agentIds.getOrDefault(c.id, List.of()), c.requestedAt, c.closedAt,
                                    c.closedBy))
                            .toList(), total))));
        });
    }

    private static Uni<Map<String, List<String>>> agentsOf(Mutiny.Session session, List<ChatEntity> chats) {
        if (chats.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return session.createSelectionQuery(
                        "from ChatAgentEntity a where a.chatId in :ids order by a.assignedAt, a.agentId", ChatAgentEntity.class)
                .setParameter("ids", chats.stream().map(c -> c.id).toList())
                .getResultList()
                .map(rows -> {
                    Map<String, List<String>> byChat = new LinkedHashMap<>();
                    for (ChatAgentEntity row : rows) {
                        byChat.computeIfAbsent(row.chatId, k -> new ArrayList<>()).add(row.agentId);
                    }
                    return byChat;
                });
    }
}
