package io.sluice.connect;

import io.javalin.Javalin;
import io.sluice.connect.herder.DistributedHerder;
import io.sluice.connect.plugins.Plugins;
import io.sluice.connect.rest.ConnectRestApi;
import io.sluice.connect.rest.DistributedRoutes;
import io.sluice.connect.storage.StatusStore;
import io.sluice.connect.storage.KafkaOffsetStore;
import io.sluice.connect.worker.Worker;
import io.sluice.connect.worker.WorkerConfig;
import io.sluice.runtime.group.GroupSettings;
import io.sluice.runtime.rest.LeaderForwarder;
import io.sluice.runtime.store.StoreSettings;
import io.sluice.service.lifecycle.Lifecycle;
import io.sluice.service.lifecycle.Service;
import io.sluice.service.lifecycle.ServiceState;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A distributed Connect worker ({@code sluice connect distributed}): plugins scanned, the offsets, config and status
 * topics read (created compacted when missing), the REST API listening, then the worker joins group
 * {@code group.id}. READY once it has joined; {@link #close} stops its tasks (committing), then leaves the group so
 * that the others take its work over at once.
 */
public final class ConnectDistributed implements Service {
    private static final Logger log = LoggerFactory.getLogger(ConnectDistributed.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

    private final Lifecycle lifecycle = new Lifecycle("connect worker");
    private Javalin http;
    private KafkaOffsetStore offsets;
    private StatusStore statuses;
    private DistributedHerder herder;
    private String url;

    private ConnectDistributed() {
    }

    /**
     * @throws ConfigException  for a bad worker setting
     * @throws ConnectException when the worker cannot start (cluster unreachable, port taken)
     */
    public static ConnectDistributed start(Map<String, String> workerSettings) {
        ConnectDistributed connect = new ConnectDistributed();
        connect.lifecycle.moveTo(ServiceState.STARTING);
        try {
            connect.startParts(new WorkerConfig(workerSettings));
        } catch (RuntimeException e) {
            connect.lifecycle.fail(e);
            connect.closeParts();
            throw e;
        }
        connect.lifecycle.moveTo(ServiceState.READY);
        return connect;
    }

    private void startParts(WorkerConfig config) {
        Plugins plugins = Plugins.scan(config.pluginPath());
        String clusterId = clusterId(config);
        Map<String, Object> clientProps = config.adminSettings();
        http = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.router.ignoreTrailingSlashes = true;
        });
        http.start(config.listenerHost, config.listenerPort);
        String host = config.getString(WorkerConfig.REST_ADVERTISED_HOST_NAME);
        Integer port = config.getInt(WorkerConfig.REST_ADVERTISED_PORT);
        String scheme = config.getString(WorkerConfig.REST_ADVERTISED_LISTENER);
        String workerId = (host != null ? host : config.listenerHost) + ":" + (port != null ? port : http.port());
        url = (scheme == null ? "http" : scheme) + "://" + workerId + "/";

        offsets = new KafkaOffsetStore(clientProps, "connect-" + workerId + "-offsets",
                config.getString(WorkerConfig.OFFSET_TOPIC), config.getInt(WorkerConfig.OFFSET_PARTITIONS),
                config.offsetStorageReplicationFactor());
        statuses = new StatusStore(clientProps, "connect-" + workerId, store(config, WorkerConfig.STATUS_TOPIC,
                config.getInt(WorkerConfig.STATUS_PARTITIONS), WorkerConfig.STATUS_REPLICATION_FACTOR));
        statuses.start();
        int session = config.getInt(WorkerConfig.SESSION_TIMEOUT_MS);
        GroupSettings group = DistributedHerder.groupSettings(config.getString(WorkerConfig.GROUP_ID), session,
                config.getInt(WorkerConfig.REBALANCE_TIMEOUT_MS), config.getInt(WorkerConfig.HEARTBEAT_INTERVAL_MS));
        Worker worker = new Worker(config, plugins, offsets, workerId);
        herder = new DistributedHerder(worker, clientProps,
                store(config, WorkerConfig.CONFIG_TOPIC, 1, WorkerConfig.CONFIG_REPLICATION_FACTOR), statuses, group, url);
        new DistributedRoutes(herder, new LeaderForwarder(DistributedHerder.LEADER_WAIT, "application/json")).routes(http);
        new ConnectRestApi(herder, plugins, clusterId).routes(http);
        herder.start();
        try {
            if (herder.awaitLeaderUrl(Duration.ofMillis(session + config.getInt(WorkerConfig.REBALANCE_TIMEOUT_MS))).isEmpty()) {
                log.warn("Worker {} has not joined group {} yet; it keeps trying", url, group.groupId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while joining the group");
        }
        log.info("Kafka Connect worker (distributed) listening on {} in group {}, cluster {}", url, group.groupId(),
                clusterId);
    }

    private static StoreSettings store(WorkerConfig config, String topicKey, int partitions, String replicationKey) {
        short replication = config.getShort(replicationKey);
        return new StoreSettings(config.getString(topicKey), partitions, replication < 1 ? 3 : replication,
                STORE_TIMEOUT, STORE_TIMEOUT);
    }

    private static String clusterId(WorkerConfig config) {
        try (Admin admin = Admin.create(config.adminSettings())) {
            return admin.describeCluster().clusterId().get(ConnectStandalone.CLUSTER_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new ConnectException("Cannot reach the Kafka cluster at "
                    + config.getList(WorkerConfig.BOOTSTRAP_SERVERS) + " within "
                    + ConnectStandalone.CLUSTER_TIMEOUT.toSeconds() + " s: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while reaching the Kafka cluster");
        }
    }

    /** The REST API's base URL, e.g. {@code http://127.0.0.1:8083/}. */
    public String url() {
        return url;
    }

    public DistributedHerder herder() {
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
        } else if (statuses != null) {
            statuses.close();
        }
        Utils.closeQuietly(offsets, "offsets store");
        if (http != null) {
            http.stop();
        }
    }
}
