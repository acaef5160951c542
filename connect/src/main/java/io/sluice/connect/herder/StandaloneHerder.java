package io.sluice.connect.herder;

import io.sluice.connect.plugins.PluginDesc;
import io.sluice.connect.plugins.PluginType;
import io.sluice.connect.worker.ConnectorConfig;
import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.State;
import io.sluice.connect.worker.Status;
import io.sluice.connect.worker.TargetState;
import io.sluice.connect.worker.Worker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Standalone mode: every connector and task runs on this one worker; connector configs live in memory (the
 * properties files given at start-up plus what the REST API adds), source offsets in the worker's offsets file.
 * Every operation holds the herder's lock, so the REST API sees one consistent picture.
 */
public final class StandaloneHerder implements Herder {
    private static final Logger log = LoggerFactory.getLogger(StandaloneHerder.class);

    /** A connector this herder runs: its config, what its owner asked for and its current task configs. */
    private static final class Entry {
        Map<String, String> config;
        TargetState target;
        List<Map<String, String>> taskConfigs = List.of();

        Entry(Map<String, String> config, TargetState target) {
            this.config = config;
            this.target = target;
        }
    }

    private final Worker worker;
    private final ConnectorValidator validator;
    private final ConnectorOffsets offsets;
    private final Map<String, Entry> connectors = new TreeMap<>();
    private final ExecutorService reconfigurations = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "connect-herder-reconfigure");
        thread.setDaemon(true);
        return thread;
    });

    public StandaloneHerder(Worker worker) {
        this.worker = worker;
        this.offsets = new ConnectorOffsets(worker);
        this.validator = new ConnectorValidator(worker.plugins(), worker.config().exactlyOnceSourceEnabled());
    }

    @Override
    public Worker worker() {
        return worker;
    }

    @Override
    public ConnectorValidator validator() {
        return validator;
    }

    @Override
    public String workerId() {
        return worker.workerId();
    }

    @Override
    public synchronized List<String> connectors() {
        return new ArrayList<>(connectors.keySet());
    }

    /**
     * Creates connector {@code name} or, when {@code allowReplace}, replaces its config and restarts it.
     *
     * @throws HerderException 400 for an invalid config, 409 when it exists and {@code allowReplace} is false
     */
    @Override
    public synchronized Created putConnectorConfig(String name, Map<String, String> config, boolean allowReplace,
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
        Entry existing = connectors.get(name);
        if (existing != null && !allowReplace) {
            throw HerderException.conflict("Connector " + name + " already exists");
        }
        TargetState target = existing != null ? existing.target : initialState;
        if (existing != null) {
            stopConnectorAndTasks(name);
        }
        Entry entry = new Entry(props, target);
        connectors.put(name, entry);
        startConnectorAndTasks(name, entry);
        if (existing != null) {
            fenceRemovedTasks(name, existing.taskConfigs.size(), entry.taskConfigs.size());
        }
        log.info("Connector {} {}", name, existing == null ? "created" : "reconfigured");
        return new Created(existing == null, info(name, entry));
    }

    private void startConnectorAndTasks(String name, Entry entry) {
        if (entry.target == TargetState.STOPPED) {
            entry.taskConfigs = List.of();
            worker.recordStopped(name);
            return;
        }
        worker.startConnector(name, entry.config, entry.target, () -> reconfigurations.submit(() -> reconfigure(name)));
        entry.taskConfigs = worker.connectorTaskConfigs(name, entry.config);
        startTasks(name, entry);
    }

    private void startTasks(String name, Entry entry) {
        for (int i = 0; i < entry.taskConfigs.size(); i++) {
            worker.startTask(new ConnectorTaskId(name, i), entry.config, entry.taskConfigs.get(i), entry.target);
        }
    }

    private void stopConnectorAndTasks(String name) {
        worker.stopTasks(worker.taskIds(name));
        worker.stopConnector(name);
    }

    /** A connector asked for new task configs: restart its tasks when they changed. */
    private synchronized void reconfigure(String name) {
        Entry entry = connectors.get(name);
        if (entry == null) {
            return;
        }
        List<Map<String, String>> configs = worker.connectorTaskConfigs(name, entry.config);
        if (!configs.equals(entry.taskConfigs)) {
            worker.stopTasks(worker.taskIds(name));
            int before = entry.taskConfigs.size();
            entry.taskConfigs = configs;
            fenceRemovedTasks(name, before, configs.size());
            startTasks(name, entry);
        }
    }

    /**
     * Exactly-once: a connector now running fewer tasks fences the transactional ids of the tasks that are gone, so
     * a zombie of one of them cannot commit. A task that still exists is fenced by its successor's
     * initTransactions.
     */
    private void fenceRemovedTasks(String name, int before, int after) {
        try {
            worker.fenceZombies(name, after, before);
        } catch (RuntimeException e) {
            log.error("Could not fence the removed tasks {}..{} of connector {}", after, before - 1, name, e);
        }
    }

    @Override
    public synchronized ConnectorInfo connectorInfo(String name) {
        return info(name, entry(name));
    }

    @Override
    public synchronized Map<String, String> connectorConfig(String name) {
        return new LinkedHashMap<>(entry(name).config);
    }

    @Override
    public synchronized List<ConnectorInfo.TaskInfo> tasks(String name) {
        Entry entry = entry(name);
        List<ConnectorInfo.TaskInfo> tasks = new ArrayList<>();
        for (int i = 0; i < entry.taskConfigs.size(); i++) {
            tasks.add(new ConnectorInfo.TaskInfo(new ConnectorInfo.TaskRef(name, i), entry.taskConfigs.get(i)));
        }
        return tasks;
    }

    @Override
    public synchronized void deleteConnector(String name) {
        entry(name);
        stopConnectorAndTasks(name);
        worker.forget(name);
        connectors.remove(name);
        log.info("Connector {} deleted", name);
    }

    @Override
    public synchronized ConnectorStateInfo status(String name) {
        Entry entry = entry(name);
        Status.Snapshot connector = snapshot(worker.connectorStatus(name));
        List<ConnectorStateInfo.TaskState> tasks = new ArrayList<>();
        for (int i = 0; i < entry.taskConfigs.size(); i++) {
            Status.Snapshot task = snapshot(worker.taskStatus(new ConnectorTaskId(name, i)));
            tasks.add(new ConnectorStateInfo.TaskState(i, task.state().name(), task.workerId(), task.trace()));
        }
        return new ConnectorStateInfo(name, new ConnectorStateInfo.ConnectorState(connector.state().name(),
                connector.workerId(), connector.trace()), tasks, type(entry));
    }

    @Override
    public synchronized ConnectorStateInfo.TaskState taskStatus(ConnectorTaskId id) {
        Entry entry = entry(id.connector());
        Status status = worker.taskStatus(id);
        if (status == null || id.task() >= entry.taskConfigs.size()) {
            throw HerderException.notFound("No status found for task " + id);
        }
        Status.Snapshot task = status.snapshot();
        return new ConnectorStateInfo.TaskState(id.task(), task.state().name(), task.workerId(), task.trace());
    }

    @Override
    public synchronized void pause(String name) {
        setTarget(name, TargetState.PAUSED);
    }

    @Override
    public synchronized void resume(String name) {
        setTarget(name, TargetState.STARTED);
    }

    /** Shuts the connector and its tasks down and drops its task configs; resume or pause starts it again. */
    @Override
    public synchronized void stop(String name) {
        Entry entry = entry(name);
        if (entry.target == TargetState.STOPPED) {
            return;
        }
        entry.target = TargetState.STOPPED;
        stopConnectorAndTasks(name);
        startConnectorAndTasks(name, entry);
        log.info("Connector {} target state {}", name, TargetState.STOPPED);
    }

    private void setTarget(String name, TargetState target) {
        Entry entry = entry(name);
        TargetState previous = entry.target;
        entry.target = target;
        if (previous == TargetState.STOPPED) {
            worker.forget(name);
            startConnectorAndTasks(name, entry);
        } else {
            worker.setTargetState(name, target);
        }
        log.info("Connector {} target state {}", name, target);
    }

    /**
     * Restarts the connector and, with {@code includeTasks}, its tasks; with {@code onlyFailed}, only the ones
     * that FAILED. Returns the status as Kafka Connect reports it at that moment: what restarts shows RESTARTING.
     */
    @Override
    public synchronized ConnectorStateInfo restart(String name, boolean includeTasks, boolean onlyFailed) {
        Entry entry = entry(name);
        if (entry.target == TargetState.STOPPED) {
            throw HerderException.conflict("Connector " + name + " is stopped; resume it instead of restarting it");
        }
        boolean connectorFailed = snapshot(worker.connectorStatus(name)).state() == State.FAILED;
        boolean restartConnector = !onlyFailed || connectorFailed;
        List<ConnectorTaskId> restartTasks = new ArrayList<>();
        if (includeTasks) {
            for (int i = 0; i < entry.taskConfigs.size(); i++) {
                ConnectorTaskId id = new ConnectorTaskId(name, i);
                if (!onlyFailed || snapshot(worker.taskStatus(id)).state() == State.FAILED) {
                    restartTasks.add(id);
                }
            }
        }
        if (restartConnector) {
            markRestarting(worker.connectorStatus(name));
        }
        restartTasks.forEach(id -> markRestarting(worker.taskStatus(id)));
        ConnectorStateInfo plan = status(name);
        if (restartConnector) {
            worker.stopTasks(restartTasks);
            worker.stopConnector(name);
            worker.startConnector(name, entry.config, entry.target, () -> reconfigurations.submit(() -> reconfigure(name)));
            List<Map<String, String>> configs = worker.connectorTaskConfigs(name, entry.config);
            if (!configs.equals(entry.taskConfigs)) {
                worker.stopTasks(worker.taskIds(name));
                int before = entry.taskConfigs.size();
                entry.taskConfigs = configs;
                fenceRemovedTasks(name, before, configs.size());
                startTasks(name, entry);
                return plan;
            }
        } else {
            worker.stopTasks(restartTasks);
        }
        for (ConnectorTaskId id : restartTasks) {
            if (id.task() < entry.taskConfigs.size()) {
                worker.startTask(id, entry.config, entry.taskConfigs.get(id.task()), entry.target);
            }
        }
        log.info("Restarted connector {} (connector: {}, tasks: {})", name, restartConnector, restartTasks);
        return plan;
    }

    @Override
    public synchronized void restartTask(ConnectorTaskId id) {
        Entry entry = connectors.get(id.connector());
        if (entry == null) {
            throw HerderException.notFound("Connector " + id.connector() + " not found");
        }
        if (entry.target == TargetState.STOPPED) {
            throw HerderException.conflict("Connector " + id.connector() + " is stopped; resume it instead");
        }
        if (id.task() < 0 || id.task() >= entry.taskConfigs.size()) {
            throw HerderException.notFound("Task " + id + " not found");
        }
        worker.stopTasks(List.of(id));
        worker.startTask(id, entry.config, entry.taskConfigs.get(id.task()), entry.target);
    }

    @Override
    public synchronized ConnectorOffsets.Offsets connectorOffsets(String name) {
        return offsets.get(name, entry(name).config);
    }

    @Override
    public synchronized ConnectorOffsets.Message alterConnectorOffsets(String name, ConnectorOffsets.Offsets request) {
        Entry entry = entry(name);
        ConnectorOffsets.requireStopped(name, entry.target == TargetState.STOPPED);
        return offsets.alter(name, entry.config, request);
    }

    @Override
    public synchronized ConnectorOffsets.Message resetConnectorOffsets(String name) {
        Entry entry = entry(name);
        ConnectorOffsets.requireStopped(name, entry.target == TargetState.STOPPED);
        return offsets.reset(name, entry.config);
    }

    private static void markRestarting(Status status) {
        if (status != null) {
            status.moveTo(State.RESTARTING);
        }
    }

    private Entry entry(String name) {
        Entry entry = connectors.get(name);
        if (entry == null) {
            throw HerderException.notFound("Connector " + name + " not found");
        }
        return entry;
    }

    private ConnectorInfo info(String name, Entry entry) {
        List<ConnectorInfo.TaskRef> tasks = new ArrayList<>();
        for (int i = 0; i < entry.taskConfigs.size(); i++) {
            tasks.add(new ConnectorInfo.TaskRef(name, i));
        }
        return new ConnectorInfo(name, new LinkedHashMap<>(entry.config), tasks, type(entry));
    }

    private ConnectorType type(Entry entry) {
        PluginDesc plugin = worker.plugins().find(entry.config.get(ConnectorConfig.CONNECTOR_CLASS),
                Set.of(PluginType.SOURCE, PluginType.SINK));
        if (plugin == null) {
            return ConnectorType.UNKNOWN;
        }
        return plugin.type() == PluginType.SOURCE ? ConnectorType.SOURCE : ConnectorType.SINK;
    }

    private Status.Snapshot snapshot(Status status) {
        return status == null ? new Status.Snapshot(State.UNASSIGNED, null, worker.workerId()) : status.snapshot();
    }

    @Override
    public synchronized void close() {
        reconfigurations.shutdownNow();
        worker.close();
        connectors.clear();
    }
}
