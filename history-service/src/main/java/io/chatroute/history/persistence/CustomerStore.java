package io.chatroute.history.persistence;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.hibernate.reactive.mutiny.Mutiny;

import io.chatroute.history.domain.CustomerHistory;
import io.chatroute.history.domain.CustomerHistoryQuery;
import io.chatroute.history.domain.CustomerNote;
import io.chatroute.history.domain.Preview;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** A customer's history (their chats and the notes about them) and writing notes. */
@ApplicationScoped
public class CustomerStore {

    /** How a note write ended. */
    public enum Outcome {
        /** A new note. */
        CREATED,
        /** The same Idempotency-Key with the same customer and text again: the note it made before. */
        REPLAYED,
        /** The Idempotency-Key was used before for another customer or text: nothing written. */
        KEY_REUSED
    }

    public record NoteWrite(Outcome outcome, CustomerNote note) {
    }

    /** Characters of a first visitor message read from the database, before {@link Preview} shortens it. */
    private static final int PREVIEW_READ = 4 * Preview.MAX_LENGTH;

    private final Mutiny.SessionFactory sessions;

    public CustomerStore(Mutiny.SessionFactory sessions) {
        this.sessions = sessions;
    }

    /** The customer's chats and notes, newest first, each list at most {@code q.limit()} long. */
    public Uni<CustomerHistory> history(CustomerHistoryQuery q) {
        return sessions.withSession(session -> session
                .createSelectionQuery("from ChatEntity c where c.customerId = :customer"
                        + " order by c.requestedAt desc, c.id desc", ChatEntity.class)
                .setParameter("customer", q.customerId())
                .setMaxResults(q.limit() + 1)
                .getResultList()
                .chain(found -> {
                    List<ChatEntity> chats = found.subList(0, Math.min(found.size(), q.limit()));
                    return details(session, chats)
                            .chain(pastChats -> session
                                    .createSelectionQuery("from CustomerNoteEntity n where n.customerId = :customer"
                                            + " order by n.createdAt desc, n.id desc", CustomerNoteEntity.class)
                                    .setParameter("customer", q.customerId())
                                    .setMaxResults(q.limit() + 1)
                                    .getResultList()
                                    .map(notes -> new CustomerHistory(q.customerId(), pastChats, found.size() > q.limit(),
                                            notes.stream().limit(q.limit()).map(CustomerNoteEntity::toNote).toList(),
                                            notes.size() > q.limit())));
                }));
    }

    /** Agents, tags, survey, message count and first visitor message of each chat: one query each. */
    private static Uni<List<CustomerHistory.PastChat>> details(Mutiny.Session session, List<ChatEntity> chats) {
        if (chats.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<String> ids = chats.stream().map(c -> c.id).toList();
        return session.createSelectionQuery(
                        "from ChatAgentEntity a where a.chatId in :ids order by a.assignedAt, a.agentId", ChatAgentEntity.class)
                .setParameter("ids", ids).getResultList()
                .chain(agents -> TagWrites.of(session, ids)
                        .chain(tags -> session.createSelectionQuery("from SurveyEntity s where s.chatId in :ids", SurveyEntity.class)
                                .setParameter("ids", ids).getResultList()
                                .chain(surveys -> session.createNativeQuery("""
                                                SELECT c.id,
                                                       (SELECT count(*) FROM message m WHERE m.chat_id = c.id),
                                                       (SELECT left(m.text, :read) FROM message m
                                                         WHERE m.chat_id = c.id AND m.sender_kind = 'visitor'
                                                         ORDER BY m.seq LIMIT 1)
                                                FROM chat c WHERE c.id IN (:ids)""", Object[].class)
                                        .setParameter("read", PREVIEW_READ)
                                        .setParameter("ids", ids).getResultList()
                                        .map(stats -> assemble(chats, agents, tags, surveys, stats)))));
    }

    private static List<CustomerHistory.PastChat> assemble(List<ChatEntity> chats, List<ChatAgentEntity> agents,
                                                           Map<String, List<String>> tags, List<SurveyEntity> surveys,
                                                           List<Object[]> stats) {
        Map<String, List<CustomerHistory.AgentName>> agentsByChat = new LinkedHashMap<>();
        agents.forEach(a -> agentsByChat.computeIfAbsent(a.chatId, k -> new ArrayList<>())
                .add(new CustomerHistory.AgentName(a.agentId, a.displayName)));
        Map<String, SurveyEntity> surveyByChat = new HashMap<>();
        surveys.forEach(s -> surveyByChat.put(s.chatId, s));
        Map<String, Object[]> statsByChat = new HashMap<>();
        stats.forEach(r -> statsByChat.put((String) r[0], r));
        List<CustomerHistory.PastChat> out = new ArrayList<>(chats.size());
        for (ChatEntity c : chats) {
            Object[] s = statsByChat.get(c.id);
            long count = s == null || s[1] == null ? 0 : ((Number) s[1]).longValue();
            // the first message is normally posted as seq 1; until it is stored, the start form's message stands in
            String first = s == null || s[2] == null ? c.initialMessage : (String) s[2];
            SurveyEntity survey = surveyByChat.get(c.id);
            out.add(new CustomerHistory.PastChat(c.id, c.status, c.queueId, c.agentId,
                    agentsByChat.getOrDefault(c.id, List.of()), c.requestedAt, c.closedAt, c.closedBy,
                    tags.getOrDefault(c.id, List.of()),
                    survey == null ? null : new CustomerHistory.Survey(survey.csat, survey.ces),
                    count, Preview.of(first)));
        }
        return out;
    }

    /**
     * Stores a note (text already validated). With an Idempotency-Key ({@code idempotencyKey} not null), the
     * author's first request with that key makes the note; later ones with the same customer and text get that
     * note back ({@link Outcome#REPLAYED}), with anything else {@link Outcome#KEY_REUSED} and no write.
     * Concurrent requests with one key are safe: the unique index makes the second wait for the first.
     */
    public Uni<NoteWrite> addNote(String customerId, String text, String author, String idempotencyKey) {
        CustomerNote note = new CustomerNote(UUID.randomUUID().toString(), customerId, text, author,
                Instant.now().truncatedTo(ChronoUnit.MICROS)); // what PostgreSQL keeps, so a replay answers the same
        String insert = "INSERT INTO customer_note (id, customer_id, text, author, created_at, idempotency_key)"
                + " VALUES (CAST(:id AS uuid), :customer, :text, :author, :at, "
                + (idempotencyKey == null ? "NULL)" : ":key) ON CONFLICT (author, idempotency_key)"
                        + " WHERE idempotency_key IS NOT NULL DO NOTHING")
                + " RETURNING CAST(id AS text)";
        return sessions.withTransaction((session, tx) -> {
            Mutiny.SelectionQuery<String> q = session.createNativeQuery(insert, String.class)
                    .setParameter("id", note.noteId())
                    .setParameter("customer", customerId)
                    .setParameter("text", text)
                    .setParameter("author", author)
                    .setParameter("at", note.createdAt());
            if (idempotencyKey != null) {
                q.setParameter("key", idempotencyKey);
            }
            return q.getResultList().chain(inserted -> {
                if (!inserted.isEmpty()) {
                    return Uni.createFrom().item(new NoteWrite(Outcome.CREATED, note));
                }
                return session.createSelectionQuery("from CustomerNoteEntity n where n.author = :author"
                                + " and n.idempotencyKey = :key", CustomerNoteEntity.class)
                        .setParameter("author", author)
                        .setParameter("key", idempotencyKey)
                        .getSingleResult()
                        .map(before -> Objects.equals(before.customerId, customerId) && Objects.equals(before.text, text)
                                ? new NoteWrite(Outcome.REPLAYED, before.toNote())
                                : new NoteWrite(Outcome.KEY_REUSED, null));
            });
        });
    }
}
