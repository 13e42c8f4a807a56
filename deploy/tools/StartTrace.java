import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chat starts one at a time on an otherwise idle system, for the time of each step of one start (not a load test).
 *
 * <pre>
 *   CHATROUTE_STARTS_PER_MINUTE_PER_ADDRESS=1000000 deploy/run-local.sh      # in another terminal
 *   java deploy/tools/StartTrace.java --chats 100 --warmup 300
 * </pre>
 *
 * The seeded agents connect and go AVAILABLE; each chat is started with {@code POST /api/v1/chats} (form
 * {@code default}, topic billing), waits for its {@code offer} on one of the agents' sockets, is accepted and closed,
 * and the next one starts. It prints, per measured chat, the POST's answer time and the time from sending the POST to
 * the offer frame, then p50 / p90 / max of both. Options: {@code --chats N} (measured, 20), {@code --warmup N} (not
 * measured, 0), {@code --agents a,b} (anna,boris,li,noa), {@code --accept-ms} and {@code --gap-ms} (pauses after the
 * offer and after the accept: 300, 700), {@code --base} (http://localhost:8080), {@code --quiet} (summary only).
 * Tokens come from deploy/dev-token.sh (run it from the repository's root). Needs Java 21 or newer; no dependencies.
 */
public final class StartTrace {

    private static final Pattern CHAT_ID = Pattern.compile("\"chatId\":\"([^\"]+)\"");

    public static void main(String[] args) throws Exception {
        int chats = 20;
        int warmup = 0;
        String agents = "anna,boris,li,noa";
        long acceptMs = 300;
        long gapMs = 700;
        String base = "http://localhost:8080";
        boolean quiet = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--chats" -> chats = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--agents" -> agents = args[++i];
                case "--accept-ms" -> acceptMs = Long.parseLong(args[++i]);
                case "--gap-ms" -> gapMs = Long.parseLong(args[++i]);
                case "--base" -> base = args[++i];
                case "--quiet" -> quiet = true;
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        Map<String, CompletableFuture<Long>> offers = new ConcurrentHashMap<>();
        Map<String, WebSocket> offeredOn = new ConcurrentHashMap<>();
        for (String agent : agents.split(",")) {
            Process p = new ProcessBuilder("deploy/dev-token.sh", agent, "agent").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String token = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0 || token.isEmpty()) {
                throw new IllegalStateException("deploy/dev-token.sh failed for " + agent + " (run from the repository's root)");
            }
            WebSocket ws = http.newWebSocketBuilder()
                    .buildAsync(URI.create(base.replaceFirst("^http", "ws") + "/ws/agent?token=" + token), new WebSocket.Listener() {
                        private final StringBuilder frame = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            frame.append(data);
                            if (last) {
                                String f = frame.toString();
                                frame.setLength(0);
                                if (f.contains("\"type\":\"offer\"")) {
                                    long at = System.nanoTime();
                                    Matcher m = CHAT_ID.matcher(f);
                                    if (m.find()) {
                                        offeredOn.put(m.group(1), w);
                                        offers.computeIfAbsent(m.group(1), k -> new CompletableFuture<>()).complete(at);
                                    }
                                }
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendText("{\"type\":\"presence\",\"status\":\"AVAILABLE\"}", true).get(10, TimeUnit.SECONDS);
        }
        Thread.sleep(2000); // presence reaches routing through Kafka; a pacing pause of this tool, not a synchronisation
        List<Double> posts = new ArrayList<>();
        List<Double> offered = new ArrayList<>();
        String body = "{\"formId\":\"default\",\"visitor\":{\"name\":\"Trace\",\"locale\":\"en\"},"
                + "\"form\":{\"topic\":\"billing\",\"language\":\"en\"},\"message\":\"I was charged twice\"}";
        for (int i = 0; i < warmup + chats; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/chats"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            long t1 = System.nanoTime();
            Matcher m = CHAT_ID.matcher(r.body());
            if (r.statusCode() != 201 || !m.find()) {
                throw new IllegalStateException("POST answered " + r.statusCode() + " " + r.body());
            }
            String chatId = m.group(1);
            long t2 = offers.computeIfAbsent(chatId, k -> new CompletableFuture<>()).get(30, TimeUnit.SECONDS);
            if (i >= warmup) {
                posts.add((t1 - t0) / 1e6);
                offered.add((t2 - t0) / 1e6);
                if (!quiet) {
                    System.out.printf("%d %s POST %.1f ms, offer %.1f ms%n", System.currentTimeMillis(), chatId, (t1 - t0) / 1e6,
                            (t2 - t0) / 1e6);
                }
            }
            WebSocket w = offeredOn.get(chatId);
            w.sendText("{\"type\":\"offer.accept\",\"chatId\":\"" + chatId + "\"}", true).get(10, TimeUnit.SECONDS);
            Thread.sleep(acceptMs);
            w.sendText("{\"type\":\"close\",\"chatId\":\"" + chatId + "\"}", true).get(10, TimeUnit.SECONDS);
            Thread.sleep(gapMs);
        }
        System.out.printf("%d chats: POST answered p50 %.1f / p90 %.1f / max %.1f ms; POST -> offer p50 %.1f / p90 %.1f / max %.1f ms%n",
                chats, pct(posts, 0.5), pct(posts, 0.9), pct(posts, 1), pct(offered, 0.5), pct(offered, 0.9), pct(offered, 1));
        System.exit(0);
    }

    private static double pct(List<Double> values, double q) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        return v.isEmpty() ? Double.NaN : v.get(Math.min(v.size() - 1, (int) Math.ceil(q * v.size()) - (q == 0 ? 0 : 1)));
    }
}
