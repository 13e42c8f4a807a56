package io.chatroute.history.persistence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * together with the {@code processed_event} row of the event that causes it.
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
     * Applies an event unless its id was applied before, in one transaction: the processed_event row
     * and the state change commit together or not at all. Returns false for a repeated event.
     */
    public Uni<Boolean> applyOnce(String eventId, String type, ChatEvent event) {
        return sessions.withTransaction((session, tx) -> session
                .createNativeQuery("INSERT INTO processed_event (event_id, type) VALUES (:id, :type) ON CONFLICT DO NOTHING")
                .setParameter("id", eventId)
                .setParameter("type", type)
                .executeUpdate()
                .chain(inserted -> inserted == 1 ? apply(session, event).replaceWith(true) : Uni.createFrom().item(false)));
    }

    /** Has this event id been applied? */
    public Uni<Boolean> isProcessed(String eventId) {
        return sessions.withSession(session -> session
                .createNativeQuery("SELECT count(*) FROM processed_event WHERE event_id = :id", Long.class)
                .setParameter("id", eventId)
                .getSingleResult()
                .map(n -> n > 0));
    }

    private Uni<Void> apply(Mutiny.Session session, ChatEvent event) {
        Instant now = Instant.now();
        return session.find(ChatEntity.class, event.chatId()).chain(found -> {
            ChatEntity chat = found != null ? found : ChatEntity.create(event.chatId(), now);
            ChatState state = chat.toState().apply(event);
            chat.copyFrom(state, now);
            Uni<Void> saved = found != null ? Uni.createFrom().voidItem() : session.persist(chat);
            return saved.chain(() -> switch (event) {
                case ChatEvent.Assigned a -> recordAgent(session, a);
                case ChatEvent.MessagePosted m -> recordMessage(session, m);
                default -> Uni.createFrom().voidItem();
            });
        });
    }

    private Uni<Void> recordAgent(Mutiny.Session session, ChatEvent.Assigned a) {
        return session.find(ChatAgentEntity.class, new ChatAgentEntity.Key(a.chatId(), a.agentId())).chain(found -> {
            ChatAgentEntity row = found != null ? found : new ChatAgentEntity();
            row.chatId = a.chatId();
            row.agentId = a.agentId();
            if (a.agent() != null) {
                row.displayName = a.agent().displayName();
                row.title = a.agent().title();
                row.avatarUrl = a.agent().avatarUrl();
            }
            row.assignedAt = a.assignedAt();
            return found != null ? Uni.createFrom().voidItem() : session.persist(row);
        });
    }

    /** A message is stored once per (chat, seq): a second copy under another event id changes nothing. */
    private Uni<Void> recordMessage(Mutiny.Session session, ChatEvent.MessagePosted m) {
        return session.flush()
                .chain(() -> session.createSelectionQuery(
                                "select count(m) from MessageEntity m where m.chatId = :chat and m.seq = :seq", Long.class)
                        .setParameter("chat", m.chatId())
                        .setParameter("seq", m.seq())
                        .getSingleResult())
                .chain(count -> count > 0 ? Uni.createFrom().voidItem()
                        : session.persist(MessageEntity.of(m.chatId(), m.toMessage())));
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
