package io.sluice.registry;

import io.javalin.Javalin;
import io.sluice.registry.api.RestApi;
import io.sluice.registry.store.KafkaStore;
import io.sluice.runtime.group.GroupSettings;
import io.sluice.runtime.group.LeaderElection;
import io.sluice.runtime.rest.LeaderForwarder;
import io.sluice.runtime.rest.WriteRouter;
import io.sluice.service.lifecycle.LifecycleService;
import io.sluice.service.lifecycle.ServiceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;

/**
 * One registry instance: loads the store topic, serves the REST API, then joins the leader election.
 * {@link #start} returns once the instance answers reads with the complete state and has joined its group (or
 * the store's init timeout passed); it is {@link ServiceState#READY} while it knows a leader. Writes that
 * arrive before then wait for a leader, bounded by {@code kafkastore.timeout.ms}.
 */
public final class RegistryServer extends LifecycleService {
    private static final Logger log = LoggerFactory.getLogger(RegistryServer.class);
    /** The group protocol type of registry instances (Confluent's is "sr"; the metadata differs, so not mixed). */
    public static final String PROTOCOL_TYPE = "sluice-sr";

    private final RegistryConfig config;
    private KafkaStore store;
    private RegistryService service;
    private Javalin http;
    private LeaderElection election;
    private String url;

    private RegistryServer(RegistryConfig config) {
        super("schema registry");
        this.config = config;
    }

    private void startAll() {
        store = new KafkaStore(config);
        store.start();
        this.service = new RegistryService(store, config);
        Duration timeout = Duration.ofMillis(config.storeTimeoutMs);
        RestApi api = new RestApi(service, store, new LeaderForwarder(timeout.multipliedBy(2), RestApi.CONTENT_TYPE),
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
        this.election = new LeaderElection(store.clientProps(Map.of()), "sluice-registry-election",
                GroupSettings.of(config.groupId, PROTOCOL_TYPE, "leader-v1"), url, config.leaderEligible,
                (leaderUrl, self) -> lifecycle().tryMoveTo(leaderUrl != null ? ServiceState.READY : ServiceState.STARTING));
        election.onFailure(cause -> {
            log.error("Schema registry {} lost its group membership for good; failing", url, cause);
            lifecycle().fail(cause);
        });
        api.router(new WriteRouter(election, timeout));
        election.start();
        awaitJoined(Duration.ofMillis(config.storeInitTimeoutMs));
        log.info("Schema registry listening on {} (store {} on {}, leader {})", url, config.topic,
                config.bootstrapServers, election.leaderUrl());
    }

    private void awaitJoined(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!election.hasJoined() && System.nanoTime() < deadline) {
                election.awaitLeader(Duration.ofMillis(100));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!election.hasJoined()) {
            log.warn("Schema registry {} has not joined group {} yet; writes wait for a leader", url, config.groupId);
        }
    }

    /** Starts an instance; READY follows while it knows a leader (its election moves it). */
    public static RegistryServer start(RegistryConfig config) {
        RegistryServer server = new RegistryServer(config);
        server.startParts(server::startAll);
        return server;
    }

    /** This instance's advertised URL, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return url;
    }

    public boolean isLeader() {
        return election.isLeader();
    }

    public String leaderUrl() {
        return election.leaderUrl();
    }

    public RegistryService service() {
        return service;
    }

    public RegistryConfig config() {
        return config;
    }

    @Override
    protected void stopped() {
        log.info("Schema registry {} stopped", url);
    }

    @Override
    protected void closeParts() {
        // Leave the group first so another instance takes over while this one stops serving.
        if (election != null) {
            election.close();
        }
        if (http != null) {
            http.stop();
        }
        if (store != null) {
            store.close();
        }
    }
}
