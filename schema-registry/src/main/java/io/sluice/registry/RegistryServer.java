package io.sluice.registry;

import io.javalin.Javalin;
import io.sluice.registry.api.LeaderForwarder;
import io.sluice.registry.api.RestApi;
import io.sluice.registry.election.LeaderElector;
import io.sluice.registry.store.KafkaStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * One registry instance: loads the store topic, serves the REST API, then joins the leader election.
 * {@link #start} returns once the instance answers reads with the complete state.
 */
public final class RegistryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RegistryServer.class);

    private final RegistryConfig config;
    private final KafkaStore store;
    private final RegistryService service;
    private final Javalin http;
    private final LeaderElector elector;
    private final String url;

    private RegistryServer(RegistryConfig config) {
        this.config = config;
        this.store = new KafkaStore(config);
        try {
            store.start();
            this.service = new RegistryService(store, config);
            RestApi api = new RestApi(service, store, new LeaderForwarder(Duration.ofMillis(config.storeTimeoutMs * 2)),
                    config.storeTimeoutMs, config.requestMaxBytes);
            this.http = Javalin.create(c -> {
                c.showJavalinBanner = false;
                c.http.maxRequestSize = config.requestMaxBytes;
                c.http.defaultContentType = RestApi.CONTENT_TYPE;
                c.router.ignoreTrailingSlashes = true;
            });
            api.routes(http);
            http.start(config.listenerHost, config.listenerPort);
            this.url = config.advertisedUrl(http.port());
            this.elector = new LeaderElector(url, config.leaderEligible, config.groupId, config.topic,
                    store::clientProps, (leader, self) -> { });
            api.elector(elector);
            elector.start();
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
        log.info("Schema registry listening on {} (store {} on {})", url, config.topic, config.bootstrapServers);
    }

    public static RegistryServer start(RegistryConfig config) {
        return new RegistryServer(config);
    }

    /** This instance's advertised URL, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return url;
    }

    public boolean isLeader() {
        return elector.isLeader();
    }

    public String leaderUrl() {
        return elector.leaderUrl();
    }

    public RegistryService service() {
        return service;
    }

    public RegistryConfig config() {
        return config;
    }

    @Override
    public void close() {
        closeQuietly();
        log.info("Schema registry {} stopped", url);
    }

    private void closeQuietly() {
        // Leave the group first so another instance takes over while this one stops serving.
        if (elector != null) {
            elector.close();
        }
        if (http != null) {
            http.stop();
        }
        store.close();
    }
}
