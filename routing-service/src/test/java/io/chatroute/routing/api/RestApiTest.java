package io.chatroute.routing.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class RestApiTest {
    final String u = UUID.randomUUID().toString().substring(0, 8);

    static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    static RequestSpecification admin() {
        return as(TestTokens.admin());
    }

    String form() {
        return """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["billing-%1$s","delivery-%1$s"]},
                 {"name":"language","type":"select","options":["en","ru"]},{"name":"email","type":"email"}]}""".formatted(u);
    }

    @Test
    void authIsRequiredAndRolesAreChecked() {
        given().get("/api/v1/queues").then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2("not-a-jwt").get("/api/v1/queues").then().statusCode(401).contentType("application/problem+json");
        as(TestTokens.agent("ag-" + u)).body(form()).put("/api/v1/forms/f-" + u).then().statusCode(403)
                .contentType("application/problem+json").body("status", equalTo(403));
        as(TestTokens.supervisor()).body(form()).put("/api/v1/forms/f-" + u).then().statusCode(403);
        as(TestTokens.supervisor()).get("/api/v1/queues").then().statusCode(200);
        as(TestTokens.supervisor()).body("{\"formId\":\"x\",\"form\":{}}").post("/api/v1/routing/simulate").then().statusCode(403);
    }

    @Test
    void formsAreValidatedAndPutIsIdempotent() {
        admin().body("""
                {"fields":[{"name":"topic","type":"dropdown"},{"name":"lang","type":"select","options":[]}]}""")
                .put("/api/v1/forms/f-" + u).then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400)).body("title", notNullValue())
                // one scheme of problem types across the four services (the contract; routing answered about:blank)
                .body("type", equalTo("https://chatroute.dev/problems/validation"))
                .body("errors.field", hasItems("fields[0].type", "fields[1].options"));
        admin().get("/api/v1/queues/no-such-queue-" + u).then().statusCode(404)
                .body("type", equalTo("https://chatroute.dev/problems/not-found"));
        String first = admin().body(form()).put("/api/v1/forms/f-" + u).then().statusCode(200).extract().asString();
        String second = admin().body(form()).put("/api/v1/forms/f-" + u).then().statusCode(200).extract().asString();
        assertThat(second).isEqualTo(first);
        as(TestTokens.platform()).get("/api/v1/forms/f-" + u).then().statusCode(200).body("fields.name", hasItems("topic", "email"));
        admin().get("/api/v1/forms/none-" + u).then().statusCode(404).body("status", equalTo(404));
    }

    @Test
    void malformedBodiesGiveProblems() {
        admin().body("{\"fields\": [").put("/api/v1/forms/f-" + u).then().statusCode(400).contentType("application/problem+json");
        admin().body("{\"maxConcurrentChats\":\"many\"}").put("/api/v1/agents/a-" + u).then().statusCode(400)
                .body("errors.field", hasItem("maxConcurrentChats"));
        admin().put("/api/v1/agents/a-" + u).then().statusCode(400).body("errors.field", hasItem("body"));
        admin().body("{}").put("/api/v1/queues/bad%20id").then().statusCode(400).body("errors.field", hasItem("queueId"));
    }

    @Test
    void queuesAreValidated() {
        admin().body("""
                {"name":"","offerTimeoutSeconds":1,"requiredSkills":{"billing":11},
                 "businessHours":{"timezone":"Mars/Base","weekly":[{"days":["MON","FUNDAY"],"from":"18:00","to":"09:00"}]}}""")
                .put("/api/v1/queues/q-" + u).then().statusCode(400)
                .body("errors.field", hasItems("name", "offerTimeoutSeconds", "requiredSkills.billing", "businessHours.timezone",
                        "businessHours.weekly[0].days", "businessHours.weekly[0].to"));
        admin().body("""
                {"name":"Billing","requiredSkills":{"billing":1},"businessHours":{"timezone":"Europe/Moscow",
                 "weekly":[{"days":["MON","TUE","WED","THU","FRI"],"from":"09:00","to":"18:00"}]}}""")
                .put("/api/v1/queues/q-" + u).then().statusCode(200).body("offerTimeoutSeconds", equalTo(20)).body("priority", equalTo(0));
        as(TestTokens.supervisor()).get("/api/v1/queues").then().statusCode(200).body("id", hasItem("q-" + u));
        admin().get("/api/v1/queues/q-" + u).then().statusCode(200).body("name", equalTo("Billing"));
    }

    @Test
    void rulesAreCheckedAgainstFormsAndQueues() {
        admin().body(form()).put("/api/v1/forms/f-" + u).then().statusCode(200);
        admin().body("{\"name\":\"General\"}").put("/api/v1/queues/g-" + u).then().statusCode(200);
        admin().body("""
                [{"id":"a","when":{"colour-%1$s":"red"},"queueId":"g-%1$s"},
                 {"id":"b","when":{"topic":"refunds-%1$s"},"queueId":"g-%1$s"},
                 {"id":"c","when":{"topic":"billing-%1$s"},"queueId":"missing-%1$s"},
                 {"id":"d","when":{},"queueId":"g-%1$s"},
                 {"id":"e","when":{"language":"ru"},"queueId":"g-%1$s"}]""".formatted(u))
                .put("/api/v1/routing/rules").then().statusCode(400)
                .body("errors.field", hasItems("[0].when.colour-" + u, "[1].when.topic", "[2].queueId", "[4]"))
                .body("errors.message", hasItem(org.hamcrest.Matchers.containsString("never match")));
    }

    @Test
    void agentsCapsSkillsAndPresence() {
        admin().body("{\"displayName\":\"Ann\",\"maxConcurrentChats\":7,\"skills\":{\"billing\":11}}").put("/api/v1/agents/a-" + u)
                .then().statusCode(400).body("errors.field", hasItems("maxConcurrentChats", "skills.billing"));
        admin().body("{\"displayName\":\"Ann\",\"skills\":{\"billing\":5}}").put("/api/v1/agents/a-" + u)
                .then().statusCode(200).body("maxConcurrentChats", equalTo(4)).body("presence", equalTo("OFFLINE")).body("activeChats", equalTo(0));
        as(TestTokens.agent("a-" + u)).body("{\"status\":\"AVAILABLE\"}").put("/api/v1/agents/a-" + u + "/presence")
                .then().statusCode(200).body("presence", equalTo("AVAILABLE"));
        as(TestTokens.agent("a-" + u)).body("{\"displayName\":\"Me\",\"maxConcurrentChats\":6}").put("/api/v1/agents/a-" + u).then().statusCode(403);
        as(TestTokens.agent("someone-else")).body("{\"status\":\"AWAY\"}").put("/api/v1/agents/a-" + u + "/presence").then().statusCode(403);
        admin().body("{\"status\":\"SLEEPING\"}").put("/api/v1/agents/a-" + u + "/presence").then().statusCode(400)
                .body("errors.field", hasItem("status"));
        admin().body("{\"status\":\"AWAY\"}").put("/api/v1/agents/nobody-" + u + "/presence").then().statusCode(404);
        as(TestTokens.supervisor()).get("/api/v1/agents").then().statusCode(200).body("find { it.id == 'a-" + u + "' }.presence", equalTo("AVAILABLE"));
        admin().body("{\"status\":\"OFFLINE\"}").put("/api/v1/agents/a-" + u + "/presence").then().statusCode(200);
    }

    @Test
    void evaluateAndSimulate() throws Exception {
        String skill = "skill-" + u;
        admin().body(form()).put("/api/v1/forms/f-" + u).then().statusCode(200);
        admin().body("{\"name\":\"Billing\",\"requiredSkills\":{\"" + skill + "\":2}}").put("/api/v1/queues/b-" + u).then().statusCode(200);
        admin().body("{\"name\":\"General\"}").put("/api/v1/queues/g-" + u).then().statusCode(200);
        admin().body("""
                [{"id":"ru-billing-%1$s","when":{"topic":"billing-%1$s","language":["ru"]},"queueId":"b-%1$s","priority":1,"requiredSkills":{"lang:ru":1}},
                 {"id":"default-%1$s","when":{},"queueId":"g-%1$s"}]""".formatted(u)).put("/api/v1/routing/rules").then().statusCode(200);
        admin().get("/api/v1/routing/rules").then().statusCode(200).body("id", hasItems("ru-billing-" + u, "default-" + u));
        admin().body("{\"displayName\":\"A\",\"skills\":{\"" + skill + "\":5,\"lang:ru\":4}}").put("/api/v1/agents/sa-" + u).then().statusCode(200);
        admin().body("{\"displayName\":\"B\",\"skills\":{\"" + skill + "\":3,\"lang:ru\":4}}").put("/api/v1/agents/sb-" + u).then().statusCode(200);
        admin().body("{\"status\":\"AVAILABLE\"}").put("/api/v1/agents/sa-" + u + "/presence").then().statusCode(200);
        admin().body("{\"status\":\"AVAILABLE\"}").put("/api/v1/agents/sb-" + u + "/presence").then().statusCode(200);

        String body = "{\"formId\":\"f-" + u + "\",\"form\":{\"topic\":\"billing-" + u + "\",\"language\":\"ru\"}}";
        String eval = as(TestTokens.platform()).body(body).post("/api/v1/routing/evaluate").then().statusCode(200)
                .body("ruleId", equalTo("ru-billing-" + u)).body("queueId", equalTo("b-" + u))
                .body("requiredSkills.'lang:ru'", equalTo(1)).body("position", equalTo(1)).body("agentsAble", equalTo(2))
                .body("open", equalTo(true)).extract().asString();
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(Path.of("src/main/resources/schemas/api/evaluation.json")));
        Set<ValidationMessage> errors = schema.validate(new ObjectMapper().readTree(eval));
        assertThat(errors).isEmpty();

        admin().body(body).post("/api/v1/routing/simulate").then().statusCode(200)
                .body("agentId", equalTo("sa-" + u)).body("tieBreak", org.hamcrest.Matchers.startsWith("highest skill score"))
                .body("candidates.agentId", hasItems("sa-" + u, "sb-" + u)).body("reasons.size()", org.hamcrest.Matchers.greaterThan(1));

        as(TestTokens.platform()).body("{\"formId\":\"f-" + u + "\",\"form\":{\"language\":\"de\",\"email\":\"nope\",\"extra\":1}}")
                .post("/api/v1/routing/evaluate").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItems("form.topic", "form.language", "form.email", "form.extra"));
        as(TestTokens.platform()).body("{\"formId\":\"nothing-" + u + "\",\"form\":{}}").post("/api/v1/routing/evaluate").then().statusCode(404);
        as(TestTokens.agent("x")).body(body).post("/api/v1/routing/evaluate").then().statusCode(403);
        admin().body("{\"status\":\"OFFLINE\"}").put("/api/v1/agents/sa-" + u + "/presence").then().statusCode(200);
        admin().body("{\"status\":\"OFFLINE\"}").put("/api/v1/agents/sb-" + u + "/presence").then().statusCode(200);
        as(TestTokens.platform()).body(body).post("/api/v1/routing/evaluate").then().statusCode(200).body("agentsAble", equalTo(0));
        admin().get("/api/v1/chats/unknown-" + u + "/routing").then().statusCode(404);
    }
}
