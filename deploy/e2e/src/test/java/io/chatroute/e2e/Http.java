package io.chatroute.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Small JSON-over-HTTP helper on java.net.http. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();

    record Response(String method, String url, int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError(method + " " + url + " answered " + status + " with a body that is not JSON: " + body, e);
            }
        }

        Response expect(int expected) {
            if (status != expected) {
                throw new AssertionError(method + " " + url + " answered " + status + " (expected " + expected + "): " + body);
            }
            return this;
        }

        Response expect2xx() {
            if (status / 100 != 2) {
                throw new AssertionError(method + " " + url + " answered " + status + " (expected 2xx): " + body);
            }
            return this;
        }
    }

    private final HttpClient client;

    Http(HttpClient client) {
        this.client = client;
    }

    Response get(String url, String token) {
        return send("GET", url, token, null, Map.of());
    }

    Response put(String url, String token, Object body) {
        return send("PUT", url, token, body, Map.of());
    }

    Response post(String url, String token, Object body, Map<String, String> headers) {
        return send("POST", url, token, body, headers);
    }

    Response send(String method, String url, String token, Object body, Map<String, String> headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
                    .header("Accept", "application/json");
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            headers.forEach(request::header);
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                String text = body instanceof String s ? s : JSON.writeValueAsString(body);
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(text));
            }
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(method, url, response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
