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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.LocalSystem;

/**
 * The pages in a real browser: playwright-core (npm, installed here with {@code npm ci} from the committed lock file)
 * drives Debian's Chromium ({@code /usr/bin/chromium}, or {@code -De2e.chromium=}) through two scripts in
 * src/test/browser against the system E2eSystem started from the packaged jars.
 *
 * <p>chat-flow.mjs completes a chat in several browser contexts: the visitor on /demo/ (the widget) and the agent on
 * /agent/ (offer, accept, messages both ways, typing and read indicators, a suggestion inserted, a canned response, tags,
 * a second window that knows the presence and load at once, a reload that resumes, the visitor's and then the desk's
 * connection cut and resumed without loss or duplicates), transfers it to a second agent (the first desk loses it, the
 * second gets the offer with the note and the whole conversation, the widget shows the new agent), which closes it (the
 * survey); shows the widget out of hours and a waiting chat whose queue closes (the socket played by the script), runs a second chat from a page on another origin (CORS and the socket's Origin
 * check), and checks that {@code <img src=x onerror=alert(1)>} as a name and as messages stays text. The test then reads
 * the chat back from history-service.
 *
 * <p>dashboard-flow.mjs watches /dashboard/ as a supervisor while chats are started and closed and an agent works:
 * the queue's waiting chats and agents available, the agent's presence and load on screen match routing-service's live
 * view at every step, an alert appears when the queue breaks its target, today's figures match history-service's.
 *
 * <p>not-routed.mjs starts a chat in the widget while routing-service is down and no rule takes its topic: when
 * routing-service is back, the widget says that nobody could take the chat.
 *
 * <p>No browser or no node: it fails, it never skips. Screenshots: target/screenshots/; the scripts' output:
 * target/browser/chat-flow.log and dashboard-flow.log.
 */
@ExtendWith(E2eSystem.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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
    // the agent the chat is transferred to (chat-flow.mjs's TRANSFER_NOTE and SECOND_REPLY)
    private static final String SECOND_AGENT_ID = "boris";
    private static final String SECOND_AGENT_NAME = "Boris Ivanov";
    private static final String TRANSFER_NOTE = "Refund started <b>today</b>; the customer may ask for the confirmation e-mail";
    private static final String SECOND_REPLY = "Hello again, I have taken over: your refund confirmation is on its way.";
    // the dashboard's queue (the form's topic "returns"), its only agent, and a queue whose name is markup
    private static final String DASH_QUEUE_ID = "browser-returns";
    private static final String DASH_QUEUE_NAME = "Returns & exchanges";
    private static final String DASH_AGENT_ID = "dana";
    private static final int DASH_AGENT_CAP = 3;
    private static final String MARKUP_QUEUE_ID = "browser-markup";

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
        for (String f : List.of("package.json", "package-lock.json", "chat-flow.mjs", "dashboard-flow.mjs", "not-routed.mjs")) {
            Files.copy(SOURCES.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"), WORK, Duration.ofMinutes(5), "npm ci (playwright-core)");
        Files.createDirectories(SCREENSHOTS);
        try (var old = Files.list(SCREENSHOTS)) { // this run's screenshots only
            for (Path p : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(p);
            }
        }
        seed();
    }

    /** The form, queues, rules, agents and knowledge both scripts use, through the public REST APIs. */
    private static void seed() throws Exception {
        String admin = system.token("admin-browser", Duration.ofHours(1), "admin");
        String session = system.url("session-service", "");
        http.put(system.url("routing-service", "/api/v1/forms/default"), admin, """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["billing","delivery","returns"]},
                           {"name":"language","type":"select","options":["en","ru"]},
                           {"name":"email","type":"email"}]}""").expect2xx();
        http.put(system.url("routing-service", "/api/v1/queues/" + QUEUE_ID), admin, """
                {"name":"Shop support","requiredSkills":{"shop-browser":1},"priority":0,"offerTimeoutSeconds":120}""").expect2xx();
        // the dashboard's queue: a service-level target of 5 s, so that waiting chats break it soon
        http.put(system.url("routing-service", "/api/v1/queues/" + DASH_QUEUE_ID), admin, """
                {"name":"%s","requiredSkills":{"returns-browser":1},"priority":0,"offerTimeoutSeconds":120,
                 "serviceLevelTargetSeconds":5}""".formatted(DASH_QUEUE_NAME)).expect2xx();
        http.put(system.url("routing-service", "/api/v1/queues/" + MARKUP_QUEUE_ID), admin, """
                {"name":"%s","requiredSkills":{"nobody-has-this":1}}""".formatted(PAYLOAD)).expect2xx();
        http.put(system.url("routing-service", "/api/v1/routing/rules"), admin, """
                [{"id":"returns","when":{"topic":"returns"},"queueId":"%s"},
                 {"id":"shop","when":{},"queueId":"%s"}]""".formatted(DASH_QUEUE_ID, QUEUE_ID)).expect2xx();
        // the picture comes from session-service itself (the pages' policy allows this origin and https: images)
        http.put(system.url("routing-service", "/api/v1/agents/" + AGENT_ID), admin, """
                {"displayName":"%s","title":"%s","avatarUrl":"%s/demo/img/avatar-anna.svg",
                 "skills":{"shop-browser":5,"billing":5},"maxConcurrentChats":4}""".formatted(AGENT_NAME, AGENT_TITLE, session))
                .expect2xx();
        http.put(system.url("routing-service", "/api/v1/agents/" + SECOND_AGENT_ID), admin, """
                {"displayName":"%s","title":"Refunds","skills":{"shop-browser":3},"maxConcurrentChats":4}""".formatted(SECOND_AGENT_NAME))
                .expect2xx();
        http.put(system.url("routing-service", "/api/v1/agents/" + DASH_AGENT_ID), admin, """
                {"displayName":"Dana Kovač","title":"Returns","skills":{"returns-browser":4},"maxConcurrentChats":%d}"""
                .formatted(DASH_AGENT_CAP)).expect2xx();
        http.put(system.url("knowledge-service", "/api/v1/kb/articles/" + ARTICLE_ID), admin, """
                {"title":"%s",
                 "body":"When you were charged twice for one order, the second charge is usually a temporary card hold that your bank releases within 3 to 5 business days. If both payments are completed we refund the duplicate payment in full within 5 to 10 business days.",
                 "language":"en","tags":["billing","refund"],"public":true}""".formatted(ARTICLE_TITLE)).expect2xx();
        http.put(system.url("knowledge-service", "/api/v1/kb/canned/browser-refund"), admin, """
                {"shortcut":"/refund","text":"%s","language":"en"}""".formatted(CANNED_TEXT)).expect2xx();
        // the widget's configuration reflects the seed (session-service caches it for 30 s: this is its first read)
        JsonNode config = http.get(session + "/api/v1/widget/config?formId=default", null).expect(200).json();
        assertThat(config.path("open").asBoolean()).as("widget config %s", config).isTrue();
    }

    @Test
    @Order(1)
    void aWholeChatThroughTheWidgetAndTheAgentDesktop() throws Exception {
        String admin = system.token("admin-browser", Duration.ofHours(1), "admin");
        String session = system.url("session-service", "");

        // ------------------------------------------------------------ the browser
        String agentToken = system.token(AGENT_ID, Duration.ofHours(1), "agent");
        Map<String, String> env = new java.util.HashMap<>(Map.of("BASE_URL", session, "AGENT_TOKEN", agentToken, "AGENT_NAME", AGENT_NAME,
                "AGENT_TITLE", AGENT_TITLE, "ARTICLE_TITLE", ARTICLE_TITLE, "CANNED_TEXT", CANNED_TEXT, "DESK_NAME", "Anna",
                "SCREENSHOTS", SCREENSHOTS.toString(), "CHROMIUM", CHROMIUM));
        env.put("AGENT_ID", AGENT_ID);
        env.put("OTHER_SITE_PORT", Integer.toString(system.otherSitePort));
        env.put("SECOND_AGENT_ID", SECOND_AGENT_ID);
        env.put("SECOND_AGENT_NAME", SECOND_AGENT_NAME);
        env.put("SECOND_AGENT_TOKEN", system.token(SECOND_AGENT_ID, Duration.ofHours(1), "agent"));
        String out = script("chat-flow", env, Duration.ofMinutes(8));
        assertThat(out).contains("BROWSER FLOW PASSED");
        for (String shot : List.of("02-demo-shop.png", "05-agent-offer.png", "07-agent-chat.png", "07b-agent-fresh-window.png",
                "09-agent-transfer-dialog.png", "09a-agent-transferred-away.png", "09b-second-agent-offer.png", "09c-second-agent-chat.png",
                "09d-widget-transferred.png", "10-widget-survey.png", "14-widget-offline.png", "14b-widget-queue-closed.png",
                "14c-widget-back-in-queue.png", "14d-widget-closed-while-away.png", "13-widget-other-site.png")) {
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
                "agent: " + CANNED_TEXT.replace("{agent}", "Anna"), "agent: " + SECOND_REPLY);
        assertThat(texts).as("each message once").doesNotHaveDuplicates();
        // the transfer: from the first agent to the second, with the note as typed
        assertThat(t.path("transfers").size()).as("transfers in %s", t.path("transfers")).isEqualTo(1);
        assertThat(t.path("transfers").get(0).path("fromAgentId").asText()).isEqualTo(AGENT_ID);
        assertThat(t.path("transfers").get(0).path("agentId").asText()).isEqualTo(SECOND_AGENT_ID);
        assertThat(t.path("transfers").get(0).path("note").asText()).isEqualTo(TRANSFER_NOTE);
        assertThat(t.path("agents").toString()).contains("\"" + AGENT_ID + "\"", "\"" + SECOND_AGENT_ID + "\"");
    }

    @Test
    @Order(2)
    void theSupervisorDashboardShowsTheSystemsState() throws Exception {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("BASE_URL", system.url("session-service", ""));
        env.put("ROUTING_URL", system.url("routing-service", ""));
        env.put("SUPERVISOR_TOKEN", system.token("sup-browser", Duration.ofHours(1), "supervisor"));
        env.put("AGENT_TOKEN", system.token(DASH_AGENT_ID, Duration.ofHours(1), "agent"));
        env.put("AGENT_ID", DASH_AGENT_ID);
        env.put("AGENT_CAP", Integer.toString(DASH_AGENT_CAP));
        env.put("QUEUE_ID", DASH_QUEUE_ID);
        env.put("QUEUE_NAME", DASH_QUEUE_NAME);
        env.put("MARKUP_QUEUE_ID", MARKUP_QUEUE_ID);
        env.put("SCREENSHOTS", SCREENSHOTS.toString());
        env.put("CHROMIUM", CHROMIUM);
        String out = script("dashboard-flow", env, Duration.ofMinutes(8));
        assertThat(out).contains("DASHBOARD FLOW PASSED");
        for (String shot : List.of("20-dashboard-sign-in.png", "21-dashboard-live.png", "22-dashboard-alert.png",
                "22b-dashboard-alert-full.png", "23-dashboard-today.png")) {
            assertThat(SCREENSHOTS.resolve(shot)).as("screenshot").isRegularFile();
        }
    }

    /**
     * A chat no queue can take, in the widget: the rules leave the form's topic "delivery" without a queue,
     * routing-service is killed, the visitor starts such a chat (accepted: session-service cannot ask routing), and when
     * routing-service is back it cannot place the chat: the widget says so (closed, reason not-routed) instead of
     * waiting for ever. The rules and routing-service are restored whatever happens.
     */
    @Test
    @Order(3)
    void aChatNoQueueCanTakeTellsTheVisitorSo() throws Exception {
        String admin = system.token("admin-browser", Duration.ofHours(1), "admin");
        String rules = system.url("routing-service", "/api/v1/routing/rules");
        LocalSystem.Node routing = system.system.node("routing-service");
        Path startedFile = WORK.resolve("not-routed-chat.txt");
        Files.deleteIfExists(startedFile);
        ExecutorService browser = Executors.newSingleThreadExecutor();
        try {
            http.put(rules, admin, """
                    [{"id":"returns","when":{"topic":"returns"},"queueId":"%s"}]""".formatted(DASH_QUEUE_ID)).expect2xx();
            // the widget's configuration is read while routing-service is up (session-service serves it from its cache)
            http.get(system.url("session-service", "/api/v1/widget/config?formId=default"), null).expect(200);
            routing.kill();
            Map<String, String> env = new java.util.HashMap<>(Map.of("BASE_URL", system.url("session-service", ""),
                    "STARTED_FILE", startedFile.toString(), "SCREENSHOTS", SCREENSHOTS.toString(), "CHROMIUM", CHROMIUM));
            Future<String> flow = browser.submit(() -> script("not-routed", env, Duration.ofMinutes(5)));
            await("the widget started its chat").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Files.exists(startedFile) || flow.isDone());
            assertThat(Files.exists(startedFile)).as("the chat was started (see target/browser/not-routed.log)").isTrue();
            system.system.restart(routing);
            String out = flow.get(5, TimeUnit.MINUTES);
            assertThat(out).contains("NOT ROUTED FLOW PASSED");
            assertThat(SCREENSHOTS.resolve("16-widget-not-routed.png")).as("screenshot").isRegularFile();
        } finally {
            browser.shutdownNow();
            if (!routing.alive()) {
                system.system.restart(routing);
            }
            http.put(rules, admin, """
                    [{"id":"returns","when":{"topic":"returns"},"queueId":"%s"},
                     {"id":"shop","when":{},"queueId":"%s"}]""".formatted(DASH_QUEUE_ID, QUEUE_ID)).expect2xx();
        }
    }

    /** Runs src/test/browser/{name}.mjs with node; fails unless it exits 0 in time. Its output: target/browser/{name}.log. */
    private static String script(String name, Map<String, String> env, Duration timeout) throws IOException, InterruptedException {
        Path output = WORK.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder("node", name + ".mjs").directory(WORK.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().putAll(env);
        Process node = pb.start();
        boolean finished = node.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!finished) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(output);
        System.out.println(out);
        assertThat(finished).as("%s finished within %s; output:\n%s", name, timeout, out).isTrue();
        assertThat(node.exitValue()).as("%s's exit code; output:\n%s", name, out).isZero();
        return out;
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
