package io.sluice.cli.platform;

import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;

import java.net.URI;

/** The platform's schema registry, storing its schemas on the platform's broker. */
final class RegistryPart implements Part {
    private final RegistryServer server;
    private final HttpProbe probe = new HttpProbe();

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
        return probe.answers200(URI.create(server.url() + "/subjects")) && server.leaderUrl() != null;
    }

    @Override
    public void close() {
        server.close();
    }
}
