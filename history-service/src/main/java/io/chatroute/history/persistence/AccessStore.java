package io.chatroute.history.persistence;

import io.chatroute.history.domain.Viewer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The contract's privacy rule, from what history has consumed: an agent may read (and tag) a chat that was offered
 * to them ({@code chat.offered}), assigned to them ({@code chat.assigned}) or transferred to them
 * ({@code chat.transferred} with their id), all kept in {@code chat_access}; and a customer's history (and write
 * notes about the customer) when one of the customer's chats is such a chat. Supervisors, admins and platforms
 * read everything.
 */
@ApplicationScoped
public class AccessStore {

    static final String CHAT = "SELECT EXISTS (SELECT 1 FROM chat_access WHERE chat_id = $1 AND agent_id = $2)";
    static final String CUSTOMER = "SELECT EXISTS (SELECT 1 FROM chat c JOIN chat_access a ON a.chat_id = c.id"
            + " WHERE c.customer_id = $1 AND a.agent_id = $2)";

    private final Pool pool;

    public AccessStore(Pool pool) {
        this.pool = pool;
    }

    public Uni<Boolean> mayReadChat(Viewer viewer, String chatId) {
        return viewer.seesAll() ? Uni.createFrom().item(true) : exists(CHAT, chatId, viewer.agentId());
    }

    public Uni<Boolean> mayReadCustomer(Viewer viewer, String customerId) {
        return viewer.seesAll() ? Uni.createFrom().item(true) : exists(CUSTOMER, customerId, viewer.agentId());
    }

    private Uni<Boolean> exists(String sql, String id, String agentId) {
        if (agentId == null) {
            return Uni.createFrom().item(false);
        }
        // on a connection of its own: the pool's one-shot query has a wait timer that fails twice when PostgreSQL
        // refuses connections (an uncaught "Result is already complete" in Vert.x 4.5)
        return pool.withConnection(conn -> conn.preparedQuery(sql).execute(Tuple.of(id, agentId)))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }
}
