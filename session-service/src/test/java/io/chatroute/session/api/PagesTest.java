package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

/**
 * The pages served from the jar: /widget.js, /demo/, /agent/, /dashboard/, under a strict Content-Security-Policy. What they do in
 * a browser is checked by deploy/e2e's BrowserIT; here: that they are served, with the headers, and that their
 * sources keep the rules a strict CSP and "text is text" need (no inline script or style, no HTML from strings).
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
@QuarkusTestResource(KnowledgeStub.class)
@QuarkusTestResource(HistoryStub.class) // the same resources as HistoryPassThroughTest: one application for the three
class PagesTest {

    private static final Path PAGES = Path.of("src/main/resources/META-INF/resources");
    /** sha256 of chart.js 4.6.1's dist/chart.umd.min.js as npm serves it (README, "The supervisor dashboard"). */
    private static final String CHART_JS_SHA256 = "87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2";

    private static ExtractableResponse<Response> get(String path) {
        return given().redirects().follow(false).get(path).then().extract();
    }

    @Test
    void pagesAreServedWithAStrictPolicy() {
        for (String[] page : List.of(new String[] {"/widget.js", "javascript"}, new String[] {"/widget.css", "text/css"},
                new String[] {"/demo/", "text/html"}, new String[] {"/demo/demo.css", "text/css"}, new String[] {"/demo/img/logo.svg", "svg"},
                new String[] {"/agent/", "text/html"}, new String[] {"/agent/agent.js", "javascript"},
                new String[] {"/agent/agent.css", "text/css"}, new String[] {"/dashboard/", "text/html"},
                new String[] {"/dashboard/dashboard.js", "javascript"}, new String[] {"/dashboard/dashboard.css", "text/css"},
                new String[] {"/dashboard/vendor/chart.umd.min.js", "javascript"})) {
            ExtractableResponse<Response> r = get(page[0]);
            assertThat(r.statusCode()).as(page[0]).isEqualTo(200);
            assertThat(r.contentType()).as(page[0]).contains(page[1]);
            String csp = r.header("Content-Security-Policy");
            assertThat(csp).as("CSP of %s", page[0]).contains("default-src 'self'", "script-src 'self'", "style-src 'self'",
                    "connect-src 'self'", "img-src 'self' https:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval", "*");
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
            assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
            assertThat(r.header("Cache-Control")).as("cache of %s", page[0]).contains("max-age=300");
        }
        given().get("/demo/").then().body(containsString("<script src=\"/widget.js\" data-form=\"default\""));
        given().get("/agent/").then().body(containsString("<script src=\"agent.js\" defer></script>"));
        given().get("/dashboard/").then().body(containsString("<script src=\"vendor/chart.umd.min.js\" defer></script>"))
                .body(containsString("<script src=\"dashboard.js\" defer></script>"));
    }

    /**
     * The dashboard's charting library is Chart.js's own minified build from npm, unchanged, with its licence (the
     * README says how it was fetched): no CDN, nothing fetched at run time.
     */
    @Test
    void theChartingLibraryIsTheRecordedNpmFile() throws Exception {
        Path lib = PAGES.resolve("dashboard/vendor/chart.umd.min.js");
        byte[] bytes = Files.readAllBytes(lib);
        String sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        assertThat(sha256).as("chart.js@4.6.1 package/dist/chart.umd.min.js").isEqualTo(CHART_JS_SHA256);
        assertThat(new String(bytes, 0, 200, java.nio.charset.StandardCharsets.UTF_8)).contains("Chart.js v4.6.1", "MIT");
        assertThat(Files.readString(PAGES.resolve("dashboard/vendor/chart.js-LICENSE.md"))).contains("The MIT License");
        assertThat(get("/dashboard/vendor/chart.umd.min.js").body().asByteArray()).isEqualTo(bytes);
    }

    @Test
    void pathsWithoutTheSlashRedirect() {
        ExtractableResponse<Response> demo = get("/demo");
        assertThat(demo.statusCode()).isEqualTo(301);
        assertThat(demo.header("Location")).isEqualTo("/demo/");
        assertThat(get("/agent").header("Location")).isEqualTo("/agent/");
        assertThat(get("/dashboard").header("Location")).isEqualTo("/dashboard/");
        assertThat(get("/demo/nothing-here.js").statusCode()).isEqualTo(404);
    }

    @Test
    void aSiteEmbeddingTheWidgetLoadsIt() {
        // a classic <script src> and a stylesheet <link> are loaded without an Origin header (no CORS involved)
        given().get("/widget.js").then().statusCode(200);
        // with crossorigin="anonymous" (e.g. for Subresource Integrity) the browser sends Origin: the widget's sites get it
        given().header("Origin", "http://localhost:8080").get("/widget.js").then().statusCode(200)
                .header("Access-Control-Allow-Origin", "http://localhost:8080");
        // the API the widget calls needs the site to be one of chatroute.widget-origins (WidgetConfigTest)
    }

    /** Inline script/style and event-handler attributes would need 'unsafe-inline'; the policy forbids them. */
    @Test
    void htmlHasNoInlineScriptStyleOrHandlers() throws IOException {
        Pattern inlineScript = Pattern.compile("<script(?![^>]*\\ssrc=)[^>]*>", Pattern.CASE_INSENSITIVE);
        Pattern handler = Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE);
        Pattern styleAttr = Pattern.compile("\\sstyle\\s*=|<style", Pattern.CASE_INSENSITIVE);
        for (Path html : files(".html")) {
            String s = Files.readString(html);
            assertThat(inlineScript.matcher(s).find()).as("inline <script> in %s", html).isFalse();
            assertThat(handler.matcher(s).find()).as("on*= handler in %s", html).isFalse();
            assertThat(styleAttr.matcher(s).find()).as("inline style in %s", html).isFalse();
        }
    }

    /** Text from visitors, agents and the server goes on the page as text: no API in the page scripts parses HTML. */
    @Test
    void scriptsNeverTurnStringsIntoHtmlOrCode() throws IOException {
        Pattern html = Pattern.compile("innerHTML|outerHTML|insertAdjacentHTML|document\\.write|\\beval\\s*\\(|new\\s+Function\\s*\\("
                + "|setAttribute\\(\\s*['\"]style|createContextualFragment|DOMParser|\\bsrcdoc\\b");
        List<Path> scripts = files(".js");
        assertThat(scripts).extracting(p -> p.getFileName().toString()).contains("widget.js", "agent.js", "dashboard.js");
        for (Path js : scripts) {
            var m = html.matcher(Files.readString(js));
            assertThat(m.find()).as("%s uses %s", js, m.hitEnd() ? "" : m.group()).isFalse();
        }
    }

    private static List<Path> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(PAGES)) {
            return s.filter(p -> p.toString().endsWith(suffix)).toList();
        }
    }
}
