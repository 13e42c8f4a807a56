package io.chatroute.knowledge.api;

import static io.chatroute.knowledge.support.Api.as;
import static io.chatroute.knowledge.support.Api.atOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "knowledge"))
class CannedResourceTest {

    @Test
    void putAndFindByPrefix() {
        as(TestTokens.admin()).body("""
                {"shortcut":"/refund","text":"I have started your refund.","language":"en"}""")
                .put("/api/v1/kb/canned/c-refund-en").then().statusCode(201).body("shortcut", is("/refund"));
        as(TestTokens.admin()).body("""
                {"shortcut":"/refund","text":"Я оформил возврат.","language":"ru"}""")
                .put("/api/v1/kb/canned/c-refund-ru").then().statusCode(201);
        as(TestTokens.admin()).body("""
                {"shortcut":"/Resend","text":"I will resend the parcel."}""")
                .put("/api/v1/kb/canned/c-resend").then().statusCode(201).body("language", nullValue());
        as(TestTokens.admin()).body("""
                {"shortcut":"/hello","text":"Hello!","language":"en"}""")
                .put("/api/v1/kb/canned/c-hello").then().statusCode(201);
        as(TestTokens.admin()).body("""
                {"shortcut":"/hello","text":"Hello there!","language":"en"}""")
                .put("/api/v1/kb/canned/c-hello").then().statusCode(200).body("text", is("Hello there!"));

        as(TestTokens.agent("a1")).get("/api/v1/kb/canned?prefix=/re").then().statusCode(200)
                .body("id", hasItems("c-refund-en", "c-refund-ru", "c-resend")).body("id", not(hasItem("c-hello")));
        as(TestTokens.agent("a1")).get("/api/v1/kb/canned?prefix=/RE&language=ru").then().statusCode(200)
                .body("id", contains("c-refund-ru", "c-resend"));
        as(TestTokens.agent("a1")).get("/api/v1/kb/canned?prefix=/ref").then().statusCode(200)
                .body("id", contains("c-refund-en", "c-refund-ru"));
        as(TestTokens.agent("a1")).get("/api/v1/kb/canned?prefix=%25").then().statusCode(200).body("size()", is(0));
        as(TestTokens.agent("a1")).get("/api/v1/kb/canned/c-hello").then().statusCode(200).body("text", is("Hello there!"));
    }

    @Test
    void shortcutClashIsAConflict() {
        as(TestTokens.admin()).body("""
                {"shortcut":"/bye","text":"Bye","language":"en"}""").put("/api/v1/kb/canned/c-bye-1").then().statusCode(201);
        as(TestTokens.admin()).body("""
                {"shortcut":"/BYE","text":"Goodbye","language":"en"}""").put("/api/v1/kb/canned/c-bye-2").then().statusCode(409)
                .contentType("application/problem+json").body("status", is(409));
        as(TestTokens.admin()).body("""
                {"shortcut":"/bye","text":"Пока","language":"ru"}""").put("/api/v1/kb/canned/c-bye-3").then().statusCode(201);
    }

    @Test
    void putsCreatingTheSameNewIdAtOnceAnswerCreatedOnceAndReplacedOtherwise() throws Exception {
        for (int round = 0; round < 8; round++) {
            String id = "c-race-" + round;
            String shortcut = "/race" + round;
            List<Integer> statuses = atOnce(4, i -> as(TestTokens.admin())
                    .body(java.util.Map.of("shortcut", shortcut, "text", "Race " + i, "language", "en"))
                    .put("/api/v1/kb/canned/" + id).then().extract().statusCode());
            assertThat(statuses).as("round %d", round).containsOnly(200, 201)
                    .filteredOn(st -> st == 201).hasSize(1);
        }
    }

    @Test
    void shortcutClashIsFoundAsTheUniqueIndexComparesIt() {
        // PostgreSQL's lower('/İade') is '/iade' (the index's clash); Java's toLowerCase gives 'i' + U+0307 (no clash)
        as(TestTokens.admin()).body("""
                {"shortcut":"/iade","text":"İadeniz başlatıldı.","language":"en"}""").put("/api/v1/kb/canned/c-iade-1").then().statusCode(201);
        as(TestTokens.admin()).body("""
                {"shortcut":"/İade","text":"İade","language":"en"}""").put("/api/v1/kb/canned/c-iade-2").then().statusCode(409)
                .contentType("application/problem+json").body("status", is(409)).body("detail", containsString("c-iade-1"));
        as(TestTokens.admin()).get("/api/v1/kb/canned/c-iade-2").then().statusCode(404);
        as(TestTokens.admin()).get("/api/v1/kb/canned/c-iade-1").then().statusCode(200).body("shortcut", is("/iade"));
        // and the prefix search compares as the index does: "/İ" finds "/iade"
        as(TestTokens.agent("a1")).queryParam("prefix", "/İ").get("/api/v1/kb/canned").then().statusCode(200)
                .body("id", hasItem("c-iade-1"));
    }

    @Test
    void problems() {
        as(TestTokens.admin()).body("""
                {"shortcut":"refund","text":"","language":"xx"}""").put("/api/v1/kb/canned/c-bad").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItems("shortcut", "text", "language"));
        as(TestTokens.admin()).body("""
                {"shortcut":"/a\\u0000b","text":"x\\u0000y"}""").put("/api/v1/kb/canned/c-nul").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItems("shortcut", "text"));
        as(TestTokens.admin()).get("/api/v1/kb/canned/c-nul").then().statusCode(404);
        as(TestTokens.agent("a1")).body("""
                {"shortcut":"/x","text":"x"}""").put("/api/v1/kb/canned/c-agent").then().statusCode(403);
        given().get("/api/v1/kb/canned?prefix=/re").then().statusCode(401);
        as(TestTokens.agent("a1")).get("/api/v1/kb/canned/c-missing").then().statusCode(404);
        as(TestTokens.admin()).delete("/api/v1/kb/canned/c-missing").then().statusCode(404);
        as(TestTokens.agent("a1")).get("/api/v1/kb/canned?prefix=/re&language=klingon").then().statusCode(400);
    }

    @Test
    void delete() {
        as(TestTokens.admin()).body("""
                {"shortcut":"/tmp","text":"temporary"}""").put("/api/v1/kb/canned/c-tmp").then().statusCode(201);
        as(TestTokens.admin()).delete("/api/v1/kb/canned/c-tmp").then().statusCode(204);
        as(TestTokens.agent("a1")).get("/api/v1/kb/canned/c-tmp").then().statusCode(404);
    }
}
