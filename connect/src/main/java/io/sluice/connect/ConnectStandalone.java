package io.sluice.connect;

import io.javalin.Javalin;
import io.sluice.connect.herder.HerderException;
import io.sluice.connect.herder.StandaloneHerder;
import io.sluice.connect.plugins.Plugins;
import io.sluice.connect.rest.ConnectRestApi;
import io.sluice.connect.storage.FileOffsetStore;
import io.sluice.connect.worker.ConnectorConfig;
import io.sluice.connect.worker.TargetState;
import io.sluice.connect.worker.Worker;
import io.sluice.connect.worker.WorkerConfig;
import io.sluice.service.lifecycle.Lifecycle;
import io.sluice.service.lifecycle.Service;
import io.sluice.service.lifecycle.ServiceState;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A standalone Connect worker ({@code sluice connect standalone}): plugins scanned, the Kafka cluster reached,
 * the REST API listening, then the connectors of the given properties files started. READY once all that is
 * done; {@link #close} stops tasks (committing their offsets), connectors, then the REST API.
 */
public final class ConnectStandalone implements Service {
    private static final Logger log = LoggerFactory.getLogger(ConnectStandalone.class);
    /** How long start-up waits for the Kafka cluster to answer (Kafka Connect waits too, for its cluster id). */
    public static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(30);

    private final Lifecycle lifecycle = new Lifecycle("connect worker");
    private Javalin http;
    private StandaloneHerder herder;
    private String url;

    private ConnectStandalone() {
    }

    /**
     * Starts a worker with {@code workerSettings} and creates the connectors {@code connectorConfigs} describe.
     *
     * @throws ConfigException for a bad worker setting or connector config
     * @throws ConnectException when the worker cannot start (cluster unreachable, port taken)
     */
    public static ConnectStandalone start(Map<String, String> workerSettings, List<Map<String, String>> connectorConfigs) {
        ConnectStandalone connect = new ConnectStandalone();
        connect.lifecycle.moveTo(ServiceState.STARTING);
        try {
            connect.startParts(new WorkerConfig(workerSettings), connectorConfigs);
        } catch (RuntimeException e) {
            connect.lifecycle.fail(e);
            connect.closeParts();
            throw e;
        }
        connect.lifecycle.moveTo(ServiceState.READY);
        return connect;
    }

    private void startParts(WorkerConfig config, List<Map<String, String>> connectorConfigs) {
        FileOffsetStore offsets = new FileOffsetStore(Path.of(config.offsetFile()));
        Plugins plugins = Plugins.scan(config.pluginPath());
        String clusterId = clusterId(config);
        http = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.router.ignoreTrailingSlashes = true;
            ConnectRestApi.configure(c);
        });
        http.start(config.listenerHost, config.listenerPort);
        String host = config.getString(WorkerConfig.REST_ADVERTISED_HOST_NAME);
        Integer port = config.getInt(WorkerConfig.REST_ADVERTISED_PORT);
        String workerHost = host != null ? host : config.listenerHost;
        int workerPort = port != null ? port : http.port();
        url = "http://" + workerHost + ":" + workerPort + "/";
        herder = new StandaloneHerder(new Worker(config, plugins, offsets, workerHost + ":" + workerPort));
        new ConnectRestApi(herder, plugins, clusterId).routes(http);
        for (Map<String, String> connector : connectorConfigs) {
            String name = connector.get(ConnectorConfig.NAME);
            if (name == null || name.isBlank()) {
                throw new ConfigException(ConnectorConfig.NAME, name, "a connector properties file needs a name");
            }
            try {
                herder.putConnectorConfig(name.trim(), connector, false, TargetState.STARTED);
            } catch (HerderException e) {
                throw new ConfigException("Connector " + name + ": " + e.getMessage());
            }
        }
        log.info("Kafka Connect worker (standalone) listening on {} with {} connector(s), cluster {}", url,
                connectorConfigs.size(), clusterId);
    }

    private static String clusterId(WorkerConfig config) {
        try (Admin admin = Admin.create(config.adminSettings())) {
            return admin.describeCluster().clusterId().get(CLUSTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new ConnectException("Cannot reach the Kafka cluster at "
                    + config.getList(WorkerConfig.BOOTSTRAP_SERVERS) + " within " + CLUSTER_TIMEOUT.toSeconds()
                    + " s: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while reaching the Kafka cluster");
        }
    }

    /** The REST API's base URL, e.g. {@code http://127.0.0.1:8083/}. */
    public String url() {
        return url;
    }

    public StandaloneHerder herder() {
        return herder;
    }

    @Override
    public ServiceState state() {
        return lifecycle.state();
    }

    @Override
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return lifecycle.awaitReady(timeout);
    }

    @Override
    public void close() {
        if (!lifecycle.tryMoveTo(ServiceState.STOPPING)) {
            return;
        }
        closeParts();
        lifecycle.moveTo(ServiceState.STOPPED);
        log.info("Kafka Connect worker {} stopped", url);
    }

    private void closeParts() {
        if (herder != null) {
            herder.close();
        }
        if (http != null) {
            http.stop();
        }
    }
}
