package io.chatroute.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The pages in a real browser: playwright-core (npm, installed here with {@code npm ci} from the committed lock file)
 * drives Debian's Chromium ({@code /usr/bin/chromium}, or {@code -De2e.chromium=}) through src/test/browser/chat-flow.mjs
 * against the system E2eSystem started from the packaged jars. The script completes a chat in two browser contexts:
 * the visitor on /demo/ (the widget) and the agent on /agent/ (offer, accept, messages both ways, typing and read
 * indicators, a suggestion inserted, a canned response, tags, a reload that resumes, the visitor's and then the desk's
 * connection cut and resumed without loss or duplicates, close and the survey), shows the
 * widget out of hours, runs a second chat from a page on another origin (CORS and the socket's Origin check), and checks
 * that {@code <img src=x onerror=alert(1)>} as a name and as messages stays text. This test asserts the script's exit
 * code and output, then reads the chat back from history-service. No browser or no node: it fails, it never skips.
 * Screenshots: target/screenshots/; the script's output: target/browser/chat-flow.log.
 */
@ExtendWith(E2eSystem.class)
class BrowserIT {

    private static final Path SOURCES = Path.of("src/test/browser").toAbsolutePath();
    private static final Path WORK = E2eSystem.TARGET.resolve("browser");
    private static final Path SCREENSHOTS = E2eSystem.TARGET.resolve("screenshots");
    private static final String CHROMIUM = System.getProperty("e2e.chromium", "/usr/bin/chromium");

    private static final String AGENT_ID = "anna"; // the desktop calls the agent by the token's subject: "Anna"
    private static final String AGENT_NAME = "Anna Berg";
    private static final String AGENT_TITLE = "Billing specialist";
    private static final String QUEUE_ID = "browser-shop";
    private static final String ARTICLE_ID = "browser-double-charge";
    private static final String ARTICLE_TITLE = "Refund of a double charge";
    private static final String CANNED_TEXT = "I have started the refund for you, {agent} here. It reaches your card within 5 to 10 business days.";
    private static final String PAYLOAD = "<img src=x onerror=alert(1)>";

    private static E2eSystem.Running system;
    private static Http http;

    @BeforeAll
    static void prepare() throws Exception {
        system = E2eSystem.get();
        http = new Http(system.client);
        Path chromium = Path.of(CHROMIUM);
        assertThat(Files.isExecutable(chromium)).as("%s must be installed (apt-get install -y chromium); .ci/run installs it", chromium)
                .isTrue();
        run(List.of(CHROMIUM, "--version"), WORK.getParent(), Duration.ofSeconds(60), "chromium --version");
        run(List.of("node", "--version"), WORK.getParent(), Duration.ofSeconds(30), "node --version (Node.js 20 or newer is needed)");
        // the script and its lock file, installed under target/ (node_modules is never committed)
        Files.createDirectories(WORK);
        for (String f : List.of("package.json", "package-lock.json", "chat-flow.mjs")) {
            Files.copy(SOURCES.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"), WORK, Duration.ofMinutes(5), "npm ci (playwright-core)");
    }

    @Test
    void aWholeChatThroughTheWidgetAndTheAgentDesktop() throws Exception {
        String admin = system.token("admin-browser", Duration.ofHours(1), "admin");
        String session = system.url("session-service", "");

        // ------------------------------------------------------------ seed through the public REST APIs
        http.put(system.url("routing-service", "/api/v1/forms/default"), admin, """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["billing","delivery","returns"]},
                           {"name":"language","type":"select","options":["en","ru"]},
                           {"name":"email","type":"email"}]}""").expect2xx();
        http.put(system.url("routing-service", "/api/v1/queues/" + QUEUE_ID), admin, """
                {"name":"Shop support","requiredSkills":{"shop-browser":1},"priority":0,"offerTimeoutSeconds":120}""").expect2xx();
        http.put(system.url("routing-service", "/api/v1/routing/rules"), admin, """
                [{"id":"shop","when":{},"queueId":"%s"}]""".formatted(QUEUE_ID)).expect2xx();
        // the picture comes from session-service itself (the pages' policy allows this origin and https: images)
        http.put(system.url("routing-service", "/api/v1/agents/" + AGENT_ID), admin, """
                {"displayName":"%s","title":"%s","avatarUrl":"%s/demo/img/avatar-anna.svg",
                 "skills":{"shop-browser":5,"billing":5},"maxConcurrentChats":4}""".formatted(AGENT_NAME, AGENT_TITLE, session))
                .expect2xx();
        http.put(system.url("knowledge-service", "/api/v1/kb/articles/" + ARTICLE_ID), admin, """
                {"title":"%s",
                 "body":"When you were charged twice for one order, the second charge is usually a temporary card hold that your bank releases within 3 to 5 business days. If both payments are completed we refund the duplicate payment in full within 5 to 10 business days.",
                 "language":"en","tags":["billing","refund"],"public":true}""".formatted(ARTICLE_TITLE)).expect2xx();
        http.put(system.url("knowledge-service", "/api/v1/kb/canned/browser-refund"), admin, """
                {"shortcut":"/refund","text":"%s","language":"en"}""".formatted(CANNED_TEXT)).expect2xx();
        // the widget's configuration reflects the seed (session-service caches it for 30 s: this is its first read)
        JsonNode config = http.get(session + "/api/v1/widget/config?formId=default", null).expect(200).json();
        assertThat(config.path("open").asBoolean()).as("widget config %s", config).isTrue();

        // ------------------------------------------------------------ the browser
        String agentToken = system.token(AGENT_ID, Duration.ofHours(1), "agent");
        Files.createDirectories(SCREENSHOTS);
        try (var old = Files.list(SCREENSHOTS)) { // this run's screenshots only
            for (Path p : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(p);
            }
        }
        Path output = WORK.resolve("chat-flow.log");
        ProcessBuilder pb = new ProcessBuilder("node", "chat-flow.mjs").directory(WORK.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().putAll(Map.of("BASE_URL", session, "AGENT_TOKEN", agentToken, "AGENT_NAME", AGENT_NAME,
                "AGENT_TITLE", AGENT_TITLE, "ARTICLE_TITLE", ARTICLE_TITLE, "CANNED_TEXT", CANNED_TEXT, "DESK_NAME", "Anna",
                "SCREENSHOTS", SCREENSHOTS.toString(), "CHROMIUM", CHROMIUM));
        pb.environment().put("OTHER_SITE_PORT", Integer.toString(system.otherSitePort));
        Process node = pb.start();
        boolean finished = node.waitFor(6, TimeUnit.MINUTES);
        if (!finished) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(output);
        System.out.println(out);
        assertThat(finished).as("the browser flow finished within 6 minutes; output:\n%s", out).isTrue();
        assertThat(node.exitValue()).as("the browser flow's exit code; output:\n%s", out).isZero();
        assertThat(out).contains("BROWSER FLOW PASSED");
        for (String shot : List.of("02-demo-shop.png", "05-agent-offer.png", "07-agent-chat.png", "10-widget-survey.png", "14-widget-offline.png",
                "13-widget-other-site.png")) {
            assertThat(SCREENSHOTS.resolve(shot)).as("screenshot").isRegularFile();
        }

        // ------------------------------------------------------------ what the pages did, read back from history-service
        Matcher m = Pattern.compile("CHAT_ID=(\\S+)").matcher(out);
        assertThat(m.find()).as("the chat id in the output").isTrue();
        String chatId = m.group(1);
        AtomicReference<JsonNode> transcript = new AtomicReference<>();
        // (the survey is not in the transcript: history-service does not consume chat.surveyed yet; the widget's "thank
        // you" follows session-service's 201 to POST /survey)
        await("transcript of " + chatId + " with the tag and the last message").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> {
                    Http.Response r = http.get(system.url("history-service", "/api/v1/transcripts/" + chatId), admin);
                    if (r.status() != 200) {
                        return false;
                    }
                    transcript.set(r.json());
                    return r.json().path("tags").toString().contains("double-charge")
                            && r.json().path("messages").toString().contains("Yes, thank you!");
                });
        JsonNode t = transcript.get();
        assertThat(t.path("visitor").path("name").asText()).as("the visitor's name is stored as typed").isEqualTo(PAYLOAD);
        List<String> texts = new ArrayList<>();
        t.path("messages").forEach(x -> texts.add(x.path("from").asText() + ": " + x.path("text").asText()));
        assertThat(texts).contains("visitor: " + PAYLOAD, "agent: " + PAYLOAD, "visitor: Yes, thank you!",
                "agent: " + CANNED_TEXT.replace("{agent}", "Anna"));
        assertThat(texts).as("each message once").doesNotHaveDuplicates();
    }

    /** Runs a command to its end; fails with its output unless it exits 0. */
    private static void run(List<String> command, Path dir, Duration timeout, String what) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path log = Files.createTempFile(dir, "cmd-", ".log");
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError(what + ": cannot run " + command.getFirst() + " (" + e.getMessage() + ")", e);
        }
        boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        Files.deleteIfExists(log);
        if (!done || p.exitValue() != 0) {
            throw new AssertionError(what + " failed (" + (done ? "exit " + p.exitValue() : "timed out") + "):\n" + out);
        }
        System.out.printf("[browser] %s: %s%n", what, out.strip());
    }
}
