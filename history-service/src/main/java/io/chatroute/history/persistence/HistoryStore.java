package io.chatroute.history.persistence;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hibernate.reactive.mutiny.Mutiny;

import io.chatroute.history.domain.Transcript;
import io.chatroute.history.domain.Visitor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Transcripts as read over REST (PostgreSQL through Hibernate Reactive). The consumer's writes are
 * {@link EventWriter}'s.
 */
@ApplicationScoped
public class HistoryStore {

    private final Mutiny.SessionFactory sessions;

    public HistoryStore(Mutiny.SessionFactory sessions) {
        this.sessions = sessions;
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
                                            .chain(survey -> extras(session, chatId)
                                                    .map(x -> toTranscript(chat, agents, messages, tags, survey, x))))));
        }));
    }

    private record Extras(List<ChatTransferEntity> transfers, List<ChatOfferEntity> offers) {
    }

    private static Uni<Extras> extras(Mutiny.Session session, String chatId) {
        return session.createSelectionQuery("from ChatTransferEntity t where t.chatId = :chat"
                        + " order by t.transferredAt, t.requestId", ChatTransferEntity.class)
                .setParameter("chat", chatId).getResultList()
                .chain(transfers -> session.createSelectionQuery("from ChatOfferEntity o where o.chatId = :chat"
                                + " order by o.offeredAt, o.offerId", ChatOfferEntity.class)
                        .setParameter("chat", chatId).getResultList()
                        .map(offers -> new Extras(transfers, offers)));
    }

    private static Transcript toTranscript(ChatEntity c, List<ChatAgentEntity> agents, List<MessageEntity> messages,
                                           List<String> tags, SurveyEntity survey, Extras extras) {
        return new Transcript(c.id, c.status, c.formId,
                new Visitor(c.visitorName, c.visitorEmail, c.visitorLocale, c.customerId),
                c.form == null ? Map.of() : new LinkedHashMap<>(c.form), c.initialMessage, c.queueId, c.agentId,
                agents.stream().map(a -> new Transcript.Agent(a.agentId, a.displayName, a.title, a.avatarUrl, a.assignedAt)).toList(),
                new Transcript.Times(c.requestedAt, c.queuedAt, c.assignedAt, c.closedAt), c.closedBy,
                c.ruleId == null && c.queuedAt == null ? null
                        : new Transcript.Routing(c.queueId, c.ruleId, c.priority, c.requiredSkills),
                messages.stream().map(MessageEntity::toMessage).toList(), tags,
                survey == null ? null : new Transcript.Survey(survey.csat, survey.ces, survey.comment, survey.submittedAt),
                extras.transfers().stream().map(ChatTransferEntity::toTransfer).toList(),
                extras.offers().stream().map(ChatOfferEntity::toOffer).toList());
    }
}
