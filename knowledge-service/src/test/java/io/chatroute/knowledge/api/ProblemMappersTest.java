package io.chatroute.knowledge.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.concurrent.CompletionException;

import io.vertx.pgclient.PgException;
import jakarta.ws.rs.core.Response;
import org.hibernate.exception.ConstraintViolationException;
import org.junit.jupiter.api.Test;

class ProblemMappersTest {

    private final ProblemMappers mappers = new ProblemMappers();

    @Test
    void aUniqueViolationWrappedByHibernateReactiveIsAConflict() {
        // how Hibernate Reactive reports PostgreSQL's refusal of a second row with the same key (a concurrent PUT)
        Throwable e = new CompletionException(new ConstraintViolationException("could not execute statement",
                new SQLException("duplicate key value violates unique constraint \"article_pkey\"", "23505"), "article_pkey"));
        Response r = mappers.unexpected(e);
        assertThat(r.getStatus()).isEqualTo(409);
        assertThat(r.getMediaType()).hasToString(Problem.MEDIA_TYPE);
        Problem p = (Problem) r.getEntity();
        assertThat(p.type()).isEqualTo("https://chatroute.dev/problems/conflict");
        assertThat(p.status()).isEqualTo(409);
        assertThat(p.detail()).contains("nothing was changed");
    }

    @Test
    void aUniqueViolationOfTheShortcutIndexFromTheVertxClientSaysSo() {
        Throwable e = new RuntimeException(new PgException("duplicate key value violates unique constraint "
                + "\"canned_response_shortcut_language_uq\"", "ERROR", "23505", "Key already exists.", null, null, null,
                null, null, null, null, null, null, null, null, null, "canned_response_shortcut_language_uq"));
        Response r = mappers.unexpected(e);
        assertThat(r.getStatus()).isEqualTo(409);
        assertThat(((Problem) r.getEntity()).detail()).contains("shortcut");
    }

    @Test
    void otherDatabaseErrorsStayInternal() {
        Throwable e = new CompletionException(new ConstraintViolationException("could not execute statement",
                new SQLException("violates foreign key constraint", "23503"), "fk"));
        Response r = mappers.unexpected(e);
        assertThat(r.getStatus()).isEqualTo(500);
        assertThat(((Problem) r.getEntity()).detail()).isEqualTo("The request could not be processed");
    }
}
