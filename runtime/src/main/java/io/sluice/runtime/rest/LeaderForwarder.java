package io.sluice.runtime.rest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Sends a write that reached a follower on to the leader, unchanged, and hands back the leader's answer. The
 * forwarded request carries {@link #FORWARDED_HEADER} so that an instance which is not (or no longer) the leader
 * refuses it instead of forwarding again.
 */
public final class LeaderForwarder {
    public static final String FORWARDED_HEADER = "X-Sluice-Forwarded";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Duration timeout;
    private final String contentType;

    /** @param contentType sent as Content-Type and Accept (the service's media type) */
    public LeaderForwarder(Duration timeout, String contentType) {
        this.timeout = timeout;
        this.contentType = contentType;
    }

    /** The leader's status and body. */
    public record Answer(int status, String body) {
    }

    /** Forwarding failed before the leader answered (it is unreachable, or this thread was interrupted). */
    public static final class ForwardingException extends RuntimeException {
        public ForwardingException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public Answer forward(String leaderUrl, String method, String pathAndQuery, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(leaderUrl + pathAndQuery))
                .timeout(timeout)
                .header("Content-Type", contentType)
                .header("Accept", contentType)
                .header(FORWARDED_HEADER, "true")
                .method(method, body == null || body.isEmpty()
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new ForwardingException("Error while forwarding the request to the leader " + leaderUrl + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ForwardingException("Interrupted while forwarding to the leader", e);
        }
    }
}
