package io.sluice.connect;

import io.javalin.Javalin;
import io.sluice.connect.herder.HerderException;
import io.sluice.connect.herder.StandaloneHerder;
import io.sluice.connect.plugins.Plugins;
import io.sluice.connect.rest.ConnectRestApi;
import io.sluice.connect.storage.FileOffsetStore;
import io.sluice.connect.storage.KafkaOffsetStore;
import io.sluice.connect.storage.OffsetStore;
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

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
    private KafkaOffsetStore offsetTopicStore;
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
        Plugins plugins = Plugins.scan(config.pluginPath());
        String clusterId = clusterId(config);
        OffsetStore offsets = openOffsetStore(config);
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

    /**
     * The offsets file, or with exactly-once the offsets topic: tasks commit offsets in their transactions, which
     * a file cannot join. Offsets of a file from before the switch seed the topic (for partitions the topic has
     * none for), so switching exactly-once on is just a restart with the new setting.
     */
    private OffsetStore openOffsetStore(WorkerConfig config) {
        if (!config.exactlyOnceSourceEnabled()) {
            return new FileOffsetStore(Path.of(config.offsetFile()));
        }
        String topic = config.getString(WorkerConfig.OFFSET_TOPIC);
        KafkaOffsetStore store = new KafkaOffsetStore(config.adminSettings(), "connect-standalone-offsets", topic,
                config.getInt(WorkerConfig.OFFSET_PARTITIONS), config.offsetStorageReplicationFactor());
        offsetTopicStore = store;
        String file = config.getString(WorkerConfig.OFFSET_STORAGE_FILE);
        if (file != null && !file.isBlank() && Files.exists(Path.of(file))) {
            Map<ByteBuffer, ByteBuffer> seed = new HashMap<>(new FileOffsetStore(Path.of(file)).all());
            seed.keySet().removeAll(store.getAll(seed.keySet()).keySet());
            if (!seed.isEmpty()) {
                store.putAll(seed);
                log.info("Copied {} source offset(s) from {} to topic {} (exactly-once keeps offsets there)",
                        seed.size(), file, topic);
            }
        }
        return store;
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
        if (offsetTopicStore != null) {
            offsetTopicStore.close();
        }
    }
}
