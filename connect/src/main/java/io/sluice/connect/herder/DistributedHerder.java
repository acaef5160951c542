package io.sluice.connect.herder;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.connect.plugins.PluginDesc;
import io.sluice.connect.plugins.PluginType;
import io.sluice.connect.storage.ConfigStore;
import io.sluice.connect.storage.StatusStore;
import io.sluice.connect.worker.ConnectorConfig;
import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.State;
import io.sluice.connect.worker.TargetState;
import io.sluice.connect.worker.Worker;
import io.sluice.runtime.group.GroupMembership;
import io.sluice.runtime.group.GroupSettings;
import io.sluice.runtime.rest.LeaderForwarder;
import io.sluice.runtime.store.StoreSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Distributed mode: workers sharing {@code group.id} form a group (protocol type {@code connect}); the leader assigns
 * connectors and tasks incrementally ({@link IncrementalAssignor}); configs and states live in the config and status
 * topics, so any worker answers reads. Writes run on the leader (the REST layer forwards them there,
 * {@link io.sluice.connect.rest.DistributedRoutes}); they go to the config topic and every worker reacts to what it
 * reads back ({@link LocalWork}).
 *
 * <p>Fencing: a task runs only while this worker is in good standing in the group and its latest assignment holds
 * the task; otherwise the worker's {@link Worker#fenceWith fence} stops it producing and committing, even before the
 * worker learns it was replaced.
 */
public final class DistributedHerder implements Herder {
    private static final Logger log = LoggerFactory.getLogger(DistributedHerder.class);
    /** How long a write waits for the group to settle (a leader known) before it fails. */
    public static final Duration LEADER_WAIT = Duration.ofSeconds(30);
    private static final Duration STORE_WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Worker worker;
    private final ConnectorOffsets offsets;
    private final ConnectorValidator validator;
    private final ConfigStore configs;
    private final StatusStore statuses;
    private final String url;
    private final LocalWork work;
    private final GroupMembership membership;
    private final LeaderForwarder forwarder = new LeaderForwarder(Duration.ofSeconds(30), "application/json");
    /** The leader's URL (null while unknown) and whether it is this worker; guarded by this. */
    private String leaderUrl;
    private boolean leader;
    /** The work the leader assigned in the last assignment it computed; guarded by this. */
    private Set<String> assignedWork = Set.of();

    /**
     * @param clientProps settings for the group member's client (bootstrap servers, security)
     * @param url         this worker's advertised REST URL, {@code http://host:port/}
     */
    public DistributedHerder(Worker worker, Map<String, Object> clientProps, StoreSettings configTopic,
                             StatusStore statuses, GroupSettings group, String url) {
        this.worker = worker;
        this.offsets = new ConnectorOffsets(worker);
        this.validator = new ConnectorValidator(worker.plugins(), worker.config().exactlyOnceSourceEnabled());
        this.statuses = statuses;
        this.url = url;
        this.configs = new ConfigStore(clientProps, "connect-" + worker.workerId(), configTopic,
                new ConfigStore.Listener() {
            @Override
            public void onChange(String connector) {
                work.submit(() -> onConfigChange());
            }

            @Override
            public void onRestartRequest(ConfigStore.RestartRequest request) {
                work.submit(() -> work.restart(request));
            }
        });
        this.work = new LocalWork(worker, configs, statuses, this::publishTaskConfigs);
        this.membership = new GroupMembership(clientProps, "connect-" + worker.workerId(), group, this::metadata,
                this::assign, new GroupMembership.Listener() {
            @Override
            public void onAssigned(GroupMembership.Assignment assignment) {
                assigned(assignment);
            }

            @Override
            public void onRevoked(int generation) {
                revoked(generation);
            }

            @Override
            public void onFailed(Throwable cause) {
                log.error("Worker {} left the connect group for good; it runs nothing from now on", url, cause);
                work.stopAll(true);
            }
        });
        worker.fenceWith(id -> membership.inGoodStanding() && work.owns(id));
        worker.onTopicUsed((id, topic) -> work.submit(() -> statuses.putTopic(id, topic)));
    }

    /** How workers take part in group {@code groupId}: protocol type {@code connect}, this runtime's protocol. */
    public static GroupSettings groupSettings(String groupId, int sessionTimeoutMs, int rebalanceTimeoutMs,
                                              int heartbeatIntervalMs) {
        return new GroupSettings(groupId, ConnectProtocol.PROTOCOL_TYPE, ConnectProtocol.PROTOCOL, sessionTimeoutMs,
                rebalanceTimeoutMs, heartbeatIntervalMs);
    }

    /** Reads the config topic, then joins the group. */
    public void start() {
        configs.start();
        work.start();
        // A backstop for changes that raced a rebalance: the leader compares what it assigned with the config.
        work.every(2_000, this::checkAssignedWork);
        membership.start();
    }

    public String url() {
        return url;
    }

    public ConfigStore configStore() {
        return configs;
    }

    // ---- group ---------------------------------------------------------------------------------------------------

    private ByteBuffer metadata() {
        return ConnectProtocol.write(work.ownedMetadata(url, configs.snapshot().offset()));
    }

    private Map<String, ByteBuffer> assign(List<GroupMembership.Member> members) {
        configs.refresh(STORE_WAIT);
        ConfigStore.Snapshot snapshot = configs.snapshot();
        Map<String, ConnectProtocol.Metadata> metadata = new TreeMap<>();
        for (GroupMembership.Member member : members) {
            metadata.put(member.memberId(), ConnectProtocol.read(member.metadata(), ConnectProtocol.Metadata.class));
        }
        Map<String, ConnectProtocol.Assignment> assignments = IncrementalAssignor.assign(metadata, url, snapshot);
        synchronized (this) {
            assignedWork = LocalWork.workOf(snapshot);
        }
        Map<String, ByteBuffer> result = new HashMap<>();
        assignments.forEach((member, assignment) -> {
            log.info("Assigning to {} ({}): connectors {}, tasks {}", metadata.get(member).url(), member,
                    assignment.connectors(), assignment.tasks().stream().map(t -> t.id().toString()).toList());
            result.put(member, ConnectProtocol.write(assignment));
        });
        return result;
    }

    private void assigned(GroupMembership.Assignment raw) {
        ConnectProtocol.Assignment assignment = ConnectProtocol.read(raw.data(), ConnectProtocol.Assignment.class);
        boolean stopped = work.assign(raw.generation(), assignment);
        synchronized (this) {
            leaderUrl = assignment.leaderUrl();
            leader = url.equals(assignment.leaderUrl());
            notifyAll();
        }
        log.info("Worker {} joined generation {} (leader {}): connectors {}, tasks {}", url, raw.generation(),
                assignment.leaderUrl(), assignment.connectors(),
                assignment.tasks().stream().map(t -> t.id().toString()).toList());
        if (assignment.revoked() && stopped) {
            membership.requestRejoin("revoked work stopped; it can be reassigned");
        }
        // Also catches config changes read during the rebalance: a rejoin asked for then is dropped by the sync.
        work.submit(this::onConfigChange);
    }

    private void revoked(int generation) {
        if (generation < 0) {
            // The generation is lost: the coordinator may have handed this worker's work to others already.
            log.warn("Worker {} lost its group generation; stopping all its connectors and tasks", url);
            work.stopAll(true);
            synchronized (this) {
                leaderUrl = null;
                leader = false;
            }
        }
    }

    /** On the leader, a config change that adds or removes work starts a rebalance so that it is assigned. */
    private void onConfigChange() {
        checkAssignedWork();
        work.reconcile();
    }

    private void checkAssignedWork() {
        boolean rebalance;
        synchronized (this) {
            rebalance = leader && !assignedWork.equals(LocalWork.workOf(configs.snapshot()));
        }
        if (rebalance) {
            membership.requestRejoin("connectors or tasks changed");
        }
    }

    /** The leader's URL, or null while none is known. */
    public synchronized String leaderUrl() {
        return leaderUrl;
    }

    public synchronized boolean isLeader() {
        return leader;
    }

    /** The leader's URL once one is known, waiting at most {@code timeout} (e.g. during a rebalance). */
    public synchronized Optional<String> awaitLeaderUrl(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (leaderUrl == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return Optional.of(leaderUrl);
    }

    /** Whether {@code id} runs on this worker. */
    public boolean runsTask(ConnectorTaskId id) {
        return work.owns(id);
    }

    /** The REST URL of the worker that last reported task {@code id}, or null. */
    public String taskOwnerUrl(ConnectorTaskId id) {
        StatusStore.Entry entry = statuses.task(id);
        return entry == null ? null : "http://" + entry.workerId() + "/";
    }

    /**
     * New task configs from a connector running here: written by the leader, so a follower sends them there
     * ({@code POST /connectors/<name>/tasks}, as Kafka Connect's workers do); retried while no leader answers.
     */
    private void publishTaskConfigs(String connector, List<Map<String, String>> taskConfigs) {
        try {
            if (isLeader()) {
                putTaskConfigs(connector, taskConfigs);
                return;
            }
            String leaderUrl = awaitLeaderUrl(LEADER_WAIT).orElseThrow(() -> new IllegalStateException("no leader"));
            LeaderForwarder.Answer answer = forwarder.forward(leaderUrl, "POST",
                    "connectors/" + connector + "/tasks", JSON.writeValueAsString(taskConfigs));
            if (answer.status() >= 300) {
                throw new IllegalStateException("leader answered " + answer.status() + ": " + answer.body());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            log.warn("Could not publish the task configs of connector {} ({}); retrying", connector, e.toString());
            work.schedule(() -> work.reconcile(), 2_000);
        }
    }

    /** Leader only: a connector's new task configs, from the worker that runs the connector. */
    public void putTaskConfigs(String connector, List<Map<String, String>> taskConfigs) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        requireConnector(snapshot, connector);
        int before = snapshot.taskCount(connector);
        configs.putTaskConfigs(connector, taskConfigs);
        fenceRemovedTasks(connector, taskConfigs.size(), before);
    }

    // ---- Herder: reads from the topics ---------------------------------------------------------------------------

    @Override
    public ConnectorValidator validator() {
        return validator;
    }

    @Override
    public String workerId() {
        return worker.workerId();
    }

    @Override
    public List<String> connectors() {
        return new ArrayList<>(configs.snapshot().connectorConfigs().keySet());
    }

    @Override
    public ConnectorInfo connectorInfo(String name) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        Map<String, String> config = requireConnector(snapshot, name);
        List<ConnectorInfo.TaskRef> tasks = new ArrayList<>();
        for (int i = 0; i < snapshot.taskCount(name); i++) {
            tasks.add(new ConnectorInfo.TaskRef(name, i));
        }
        return new ConnectorInfo(name, new LinkedHashMap<>(config), tasks, type(config));
    }

    @Override
    public Map<String, String> connectorConfig(String name) {
        return new LinkedHashMap<>(requireConnector(configs.snapshot(), name));
    }

    @Override
    public List<ConnectorInfo.TaskInfo> tasks(String name) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        requireConnector(snapshot, name);
        List<ConnectorInfo.TaskInfo> tasks = new ArrayList<>();
        List<Map<String, String>> taskConfigs = snapshot.tasks(name);
        for (int i = 0; i < taskConfigs.size(); i++) {
            tasks.add(new ConnectorInfo.TaskInfo(new ConnectorInfo.TaskRef(name, i), taskConfigs.get(i)));
        }
        return tasks;
    }

    @Override
    public ConnectorStateInfo status(String name) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        Map<String, String> config = requireConnector(snapshot, name);
        StatusStore.Entry connector = statuses.connector(name);
        List<ConnectorStateInfo.TaskState> tasks = new ArrayList<>();
        for (int i = 0; i < snapshot.taskCount(name); i++) {
            tasks.add(taskState(new ConnectorTaskId(name, i)));
        }
        ConnectorStateInfo.ConnectorState state = connector == null
                ? new ConnectorStateInfo.ConnectorState(State.UNASSIGNED.name(), null, null)
                : new ConnectorStateInfo.ConnectorState(connector.state(), connector.workerId(), connector.trace());
        return new ConnectorStateInfo(name, state, tasks, type(config));
    }

    private ConnectorStateInfo.TaskState taskState(ConnectorTaskId id) {
        StatusStore.Entry task = statuses.task(id);
        return task == null ? new ConnectorStateInfo.TaskState(id.task(), State.UNASSIGNED.name(), null, null)
                : new ConnectorStateInfo.TaskState(id.task(), task.state(), task.workerId(), task.trace());
    }

    @Override
    public ConnectorStateInfo.TaskState taskStatus(ConnectorTaskId id) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        requireConnector(snapshot, id.connector());
        if (id.task() < 0 || id.task() >= snapshot.taskCount(id.connector()) || statuses.task(id) == null) {
            throw HerderException.notFound("No status found for task " + id);
        }
        return taskState(id);
    }

    /** The topics the connector's tasks used on any worker, from the status topic (Kafka Connect's KIP-558 records). */
    @Override
    public Set<String> activeTopics(String name) {
        requireConnector(configs.snapshot(), name);
        return statuses.topics(name);
    }

    @Override
    public void resetActiveTopics(String name) {
        requireConnector(configs.snapshot(), name);
        statuses.resetTopics(name);
    }

    // ---- Herder: writes, on the leader ---------------------------------------------------------------------------

    @Override
    public Created putConnectorConfig(String name, Map<String, String> config, boolean allowReplace,
                                      TargetState initialState) {
        Map<String, String> props = new LinkedHashMap<>(config);
        String configured = props.get(ConnectorConfig.NAME);
        if (configured != null && !configured.equals(name)) {
            throw HerderException.badRequest("Connector name configuration (" + configured
                    + ") doesn't match connector name in the URL (" + name + ")");
        }
        props.put(ConnectorConfig.NAME, name);
        ConfigInfos infos = validator.validate(props);
        if (infos.errorCount() > 0) {
            throw HerderException.badRequest(ConnectorValidator.errorMessage(infos));
        }
        configs.refresh(STORE_WAIT);
        boolean exists = configs.snapshot().contains(name);
        if (exists && !allowReplace) {
            throw HerderException.conflict("Connector " + name + " already exists");
        }
        configs.putConnectorConfig(name, props, exists ? null : initialState);
        log.info("Connector {} {}", name, exists ? "reconfigured" : "created");
        return new Created(!exists, connectorInfo(name));
    }

    @Override
    public void deleteConnector(String name) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        requireConnector(snapshot, name);
        configs.removeConnectorConfig(name);
        statuses.remove(name, snapshot.taskCount(name));
        log.info("Connector {} deleted", name);
    }

    /** Exactly-once: transactional ids of tasks that no longer exist must not commit what a zombie holds open. */
    private void fenceRemovedTasks(String connector, int after, int before) {
        try {
            worker.fenceZombies(connector, after, before);
        } catch (RuntimeException e) {
            log.error("Could not fence the removed tasks {}..{} of connector {}", after, before - 1, connector, e);
        }
    }

    // KIP-875 offsets; PATCH and DELETE arrive on the leader (forwarded), GET on any worker: all read the same topics.

    @Override
    public ConnectorOffsets.Offsets connectorOffsets(String name) {
        return offsets.get(name, requireConnector(configs.snapshot(), name));
    }

    @Override
    public ConnectorOffsets.Message alterConnectorOffsets(String name, ConnectorOffsets.Offsets request) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        Map<String, String> config = requireConnector(snapshot, name);
        ConnectorOffsets.requireStopped(name, snapshot.targetState(name) == TargetState.STOPPED
                && snapshot.taskCount(name) == 0);
        return offsets.alter(name, config, request);
    }

    @Override
    public ConnectorOffsets.Message resetConnectorOffsets(String name) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        Map<String, String> config = requireConnector(snapshot, name);
        ConnectorOffsets.requireStopped(name, snapshot.targetState(name) == TargetState.STOPPED
                && snapshot.taskCount(name) == 0);
        return offsets.reset(name, config);
    }

    @Override
    public void pause(String name) {
        requireConnector(configs.snapshot(), name);
        configs.putTargetState(name, TargetState.PAUSED);
    }

    @Override
    public void resume(String name) {
        requireConnector(configs.snapshot(), name);
        configs.putTargetState(name, TargetState.STARTED);
    }

    /** KIP-875: the connector and its tasks shut down and its task configs are emptied. */
    @Override
    public void stop(String name) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        requireConnector(snapshot, name);
        configs.putTargetState(name, TargetState.STOPPED);
        configs.putTaskConfigs(name, List.of());
        fenceRemovedTasks(name, 0, snapshot.taskCount(name));
    }

    @Override
    public ConnectorStateInfo restart(String name, boolean includeTasks, boolean onlyFailed) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        requireConnector(snapshot, name);
        if (snapshot.targetState(name) == TargetState.STOPPED) {
            throw HerderException.conflict("Connector " + name + " is stopped; resume it instead of restarting it");
        }
        ConnectorStateInfo now = status(name);
        boolean connector = !onlyFailed || State.FAILED.name().equals(now.connector().state());
        List<ConnectorStateInfo.TaskState> tasks = new ArrayList<>();
        for (ConnectorStateInfo.TaskState task : now.tasks()) {
            boolean restarts = includeTasks && (!onlyFailed || State.FAILED.name().equals(task.state()));
            tasks.add(restarts ? new ConnectorStateInfo.TaskState(task.id(), State.RESTARTING.name(), task.workerId(),
                    null) : task);
        }
        configs.putRestartRequest(new ConfigStore.RestartRequest(name, includeTasks, onlyFailed));
        ConnectorStateInfo.ConnectorState state = connector ? new ConnectorStateInfo.ConnectorState(
                State.RESTARTING.name(), now.connector().workerId(), null) : now.connector();
        return new ConnectorStateInfo(name, state, tasks, now.type());
    }

    /** Restarts a task that runs here; the REST layer sends the request to the worker that runs it. */
    @Override
    public void restartTask(ConnectorTaskId id) {
        ConfigStore.Snapshot snapshot = configs.snapshot();
        requireConnector(snapshot, id.connector());
        if (snapshot.targetState(id.connector()) == TargetState.STOPPED) {
            throw HerderException.conflict("Connector " + id.connector() + " is stopped; resume it instead");
        }
        if (id.task() < 0 || id.task() >= snapshot.taskCount(id.connector())) {
            throw HerderException.notFound("Task " + id + " not found");
        }
        if (!work.restartTask(id)) {
            throw HerderException.conflict("Task " + id + " is not assigned to this worker (" + url + ")");
        }
    }

    private static Map<String, String> requireConnector(ConfigStore.Snapshot snapshot, String name) {
        Map<String, String> config = snapshot.connectorConfigs().get(name);
        if (config == null) {
            throw HerderException.notFound("Connector " + name + " not found");
        }
        return config;
    }

    private ConnectorType type(Map<String, String> config) {
        PluginDesc plugin = worker.plugins().find(config.get(ConnectorConfig.CONNECTOR_CLASS),
                Set.of(PluginType.SOURCE, PluginType.SINK));
        if (plugin == null) {
            return ConnectorType.UNKNOWN;
        }
        return plugin.type() == PluginType.SOURCE ? ConnectorType.SOURCE : ConnectorType.SINK;
    }

    /** Leaves the group (so the others take over at once), stops the local work, closes the stores. */
    @Override
    public void close() {
        // Tasks stop (and commit) while this worker is still in the group; leaving then hands their work over.
        work.close();
        worker.close();
        membership.close();
        configs.close();
        statuses.close();
    }
}
