package io.chatroute.history.persistence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hibernate.reactive.mutiny.Mutiny;

import io.smallrye.mutiny.Uni;

/** The chat_tag statements of the REST write ({@link TagStore}); the consumer writes tags with {@link EventWriter}. */
final class TagWrites {

    private TagWrites() {
    }

    /**
     * Makes {@code tags} (normalised, distinct, at most a few dozen) the chat's tag set, in the caller's
     * transaction: tags no longer in it are deleted, new ones inserted at {@code at}, kept ones keep their time.
     */
    static Uni<Void> replace(Mutiny.Session session, String chatId, List<String> tags, Instant at) {
        Mutiny.MutationQuery delete = session.createNativeQuery(tags.isEmpty()
                        ? "DELETE FROM chat_tag WHERE chat_id = :chat"
                        : "DELETE FROM chat_tag WHERE chat_id = :chat AND tag NOT IN (:tags)")
                .setParameter("chat", chatId);
        if (!tags.isEmpty()) {
            delete.setParameter("tags", tags);
        }
        return delete.executeUpdate().chain(() -> {
            if (tags.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            StringBuilder sql = new StringBuilder("INSERT INTO chat_tag (chat_id, tag, tagged_at) VALUES ");
            for (int i = 0; i < tags.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(:chat, :t").append(i).append(", :at)");
            }
            sql.append(" ON CONFLICT (chat_id, tag) DO NOTHING");
            Mutiny.MutationQuery insert = session.createNativeQuery(sql.toString())
                    .setParameter("chat", chatId).setParameter("at", at);
            for (int i = 0; i < tags.size(); i++) {
                insert.setParameter("t" + i, tags.get(i));
            }
            return insert.executeUpdate().replaceWithVoid();
        });
    }

    /** The tags of each of the chats (sorted by tag); chats without tags are absent. */
    static Uni<Map<String, List<String>>> of(Mutiny.Session session, List<String> chatIds) {
        if (chatIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return session.createNativeQuery("SELECT chat_id, tag FROM chat_tag WHERE chat_id IN (:ids) ORDER BY chat_id, tag",
                        Object[].class)
                .setParameter("ids", chatIds)
                .getResultList()
                .map(rows -> {
                    Map<String, List<String>> byChat = new LinkedHashMap<>();
                    for (Object[] row : rows) {
                        byChat.computeIfAbsent((String) row[0], k -> new ArrayList<>()).add((String) row[1]);
                    }
                    return byChat;
                });
    }
}
