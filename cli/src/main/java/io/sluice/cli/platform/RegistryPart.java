package io.sluice.cli.platform;

import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The platform's schema registry, storing its schemas on the platform's broker. */
final class RegistryPart implements Part {
    private final RegistryServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RegistryPart(RegistryServer server) {
        this.server = server;
    }

    static RegistryPart start(RegistryConfig config) {
        return new RegistryPart(RegistryServer.start(config));
    }

    @Override
    public String name() {
        return "schema registry";
    }

    @Override
    public String address() {
        return server.url();
    }

    @Override
    public boolean loopbackOnly() {
        return Loopback.isLoopbackHost(server.config().listenerHost);
    }

    @Override
    public String openWith() {
        return "registry.listeners=http://0.0.0.0:" + URI.create(server.url()).getPort();
    }

    /** GET /subjects answers, and a leader is known (so that a first write is not refused). */
    @Override
    public boolean answers() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/subjects"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200 && server.leaderUrl() != null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
