package io.chatroute.history.api;

import java.util.List;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.history.config.HistoryConfig;
import io.chatroute.history.domain.CustomerHistory;
import io.chatroute.history.domain.CustomerHistoryQuery;
import io.chatroute.history.domain.InvalidInputException;
import io.chatroute.history.domain.NoteText;
import io.chatroute.history.persistence.AccessStore;
import io.chatroute.history.persistence.CustomerStore;
import io.chatroute.history.persistence.RetentionStore;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A customer's history (earlier chats and notes), notes about customers, and erasing a customer's data. An agent
 * reads the history of (and writes notes about) a customer only when one of the customer's chats was offered,
 * assigned or transferred to them.
 */
@Path("/api/v1/customers")
@RolesAllowed({"agent", "supervisor", "admin", "platform"})
public class CustomerResource {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final int MAX_IDEMPOTENCY_KEY = 200;

    private final CustomerStore store;
    private final HistoryConfig config;
    private final JsonWebToken jwt;
    private final AccessStore access;
    private final RetentionStore retention;

    public CustomerResource(CustomerStore store, HistoryConfig config, JsonWebToken jwt, AccessStore access,
                            RetentionStore retention) {
        this.store = store;
        this.config = config;
        this.jwt = jwt;
        this.access = access;
        this.retention = retention;
    }

    @GET
    @Path("/{customerId}/history")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "The customer's chats (outcome, agents, tags, survey, message count, first visitor message) and"
            + " the notes about them, newest first; a customer history has not seen gets empty lists")
    public Uni<CustomerHistory> history(@PathParam("customerId") String customerId,
                                        @Parameter(description = "chats and notes per list, 1..100, default 20")
                                        @QueryParam("limit") String limit) {
        CustomerHistoryQuery q = CustomerHistoryQuery.parse(customerId, limit, config.customers().defaultLimit(),
                config.customers().maxLimit());
        return mayRead(q.customerId()).chain(() -> store.history(q));
    }

    @POST
    @Path("/{customerId}/notes")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "Adds a note about the customer (author: the token's subject); 201 with the stored note")
    @RequestBody(content = @Content(schema = @Schema(implementation = NoteRequest.class)))
    public Uni<Response> addNote(@PathParam("customerId") String customerId,
                                 @Parameter(description = "optional; the same key and body again give the same note")
                                 @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey,
                                 JsonNode body) {
        String customer = CustomerHistoryQuery.customerId(customerId);
        String key = idempotencyKey(idempotencyKey);
        if (body == null || !body.isObject()) {
            throw InvalidInputException.of("body", "must be a JSON object {\"text\": …}");
        }
        JsonNode text = body.path("text");
        if (!text.isMissingNode() && !text.isNull() && !text.isTextual()) {
            throw InvalidInputException.of("text", "must be a string");
        }
        String valid = NoteText.validate(text.isTextual() ? text.asText() : null, "text");
        return mayRead(customer).chain(() -> store.addNote(customer, valid, author(), key)).map(w -> switch (w.outcome()) {
            case CREATED -> Response.status(Response.Status.CREATED).entity(w.note()).type(MediaType.APPLICATION_JSON_TYPE).build();
            case REPLAYED -> Response.status(Response.Status.CREATED).entity(w.note()).type(MediaType.APPLICATION_JSON_TYPE)
                    .header("Idempotent-Replayed", "true").build();
            case KEY_REUSED -> throw new ProblemException(Problem.of("idempotency-key-reused", "Unprocessable Content", 422,
                    "This Idempotency-Key was used with a different request."));
        });
    }

    @DELETE
    @Path("/{customerId}")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed("admin")
    @Operation(summary = "Erases the customer's data on request: all their chats (messages, search entries, tags, survey,"
            + " transfers, offers) and the notes about them; answers what was deleted. Later events of those chats"
            + " are dropped, not stored again")
    public Uni<RetentionStore.Erased> erase(@PathParam("customerId") String customerId) {
        return retention.eraseCustomer(CustomerHistoryQuery.customerIdToErase(customerId));
    }

    private Uni<Void> mayRead(String customerId) {
        return access.mayReadCustomer(Viewers.of(jwt), customerId).invoke(allowed -> {
            if (!allowed) {
                throw Viewers.notYours("customer's chat");
            }
        }).replaceWithVoid();
    }

    /** The key, or null when absent or blank; 1..200 visible ASCII characters. */
    private static String idempotencyKey(String key) {
        if (key == null || key.isBlank()) {
            return null;
        }
        if (key.length() > MAX_IDEMPOTENCY_KEY || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new ProblemException(Problem.validation("Invalid Idempotency-Key.", List.of(new Problem.FieldError(
                    IDEMPOTENCY_KEY, "must be 1 to " + MAX_IDEMPOTENCY_KEY + " visible ASCII characters"))));
        }
        return key;
    }

    private String author() {
        String subject = jwt.getSubject();
        return subject != null && !subject.isBlank() ? subject : jwt.getName();
    }
}
