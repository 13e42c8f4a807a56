package io.chatroute.knowledge.persistence;

import static io.chatroute.knowledge.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;

import io.agroal.api.AgroalDataSource;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Writes made by another instance (here: straight into PostgreSQL, bypassing this instance's index) reach
 * the index through reconciliation; the readiness check reports the index.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "knowledge"))
class IndexReconciliationTest {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ArticleStore store;

    @Test
    void reconciliationPicksUpOtherInstancesWrites() throws Throwable {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into article (id, title, body, language, tags, is_public, created_at, updated_at) "
                        + "values ('rec-1', 'Platypus care', 'Platypuses need clean water.', 'en', '[\"animals\"]', true, now(), now())")) {
            ps.executeUpdate();
        }
        as(TestTokens.agent("a1")).get("/api/v1/kb/search?q=platypus").then().statusCode(200).body("articleId", not(hasItem("rec-1")));

        Integer changed = VertxContextSupport.subscribeAndAwait(store::reconcile);
        assertThat(changed).isGreaterThanOrEqualTo(1);
        as(TestTokens.agent("a1")).get("/api/v1/kb/search?q=platypuses").then().statusCode(200).body("[0].articleId", is("rec-1"));
        as(TestTokens.agent("a1")).get("/api/v1/kb/articles/rec-1").then().statusCode(200).body("tags[0]", is("animals"));

        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("delete from article where id = 'rec-1'");
        }
        assertThat(VertxContextSupport.subscribeAndAwait(store::reconcile)).isGreaterThanOrEqualTo(1);
        as(TestTokens.agent("a1")).get("/api/v1/kb/search?q=platypus").then().statusCode(200).body("articleId", not(hasItem("rec-1")));
        // nothing left to do afterwards: versions in the index equal those in the database
        assertThat(VertxContextSupport.subscribeAndAwait(store::reconcile)).isZero();
    }

    @Test
    void readinessReportsTheIndex() {
        io.restassured.RestAssured.given().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("search-index"));
    }
}
