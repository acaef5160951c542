package io.sluice.connect.herder;

import io.sluice.connect.storage.ConfigStore;
import io.sluice.connect.storage.StatusStore;
import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.State;
import io.sluice.connect.worker.Status;
import io.sluice.connect.worker.TargetState;
import io.sluice.connect.worker.Worker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * What one distributed worker runs: the connectors and tasks of its latest assignment, brought in line with the
 * config topic ({@link #reconcile}) — started, stopped, restarted when their config changed, moved to their target
 * state — and their states published to the status topic. Revoked work is stopped synchronously when the assignment
 * arrives, before the worker rejoins, so that no connector or task ever runs on two workers of one generation.
 */
final class LocalWork implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalWork.class);
    private static final long STATUS_INTERVAL_MS = 500;
    private static final Duration CONFIG_WAIT = Duration.ofSeconds(30);

    private final Worker worker;
    private final ConfigStore configs;
    private final StatusStore statuses;
    private final BiConsumer<String, List<Map<String, String>>> taskConfigPublisher;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "connect-herder");
        thread.setDaemon(true);
        return thread;
    });
    // Guarded by this.
    private int generation = -1;
    private long configOffset = -1;
    private Set<String> connectors = Set.of();
    /** Read by task threads on every poll (the fence), so a volatile immutable set. */
    private volatile Set<ConnectorTaskId> tasks = Set.of();
    private final Map<String, Map<String, String>> runningConnectors = new HashMap<>();
    private final Map<ConnectorTaskId, Map<String, String>> runningTasks = new HashMap<>();
    private final Map<String, TargetState> targets = new HashMap<>();
    /** What was last written to the status topic; the herder thread's only. */
    private final Map<String, StatusStore.Entry> published = new HashMap<>();

    LocalWork(Worker worker, ConfigStore configs, StatusStore statuses,
              BiConsumer<String, List<Map<String, String>>> taskConfigPublisher) {
        this.worker = worker;
        this.configs = configs;
        this.statuses = statuses;
        this.taskConfigPublisher = taskConfigPublisher;
    }

    void start() {
        executor.scheduleWithFixedDelay(this::publishStatuses, STATUS_INTERVAL_MS, STATUS_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
    }

    void every(long periodMs, Runnable action) {
        executor.scheduleWithFixedDelay(() -> {
            try {
                action.run();
            } catch (Throwable e) {
                log.error("Periodic herder action failed", e);
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code action} on the herder thread; a failure is logged, never kills the thread. */
    void submit(Runnable action) {
        schedule(action, 0);
    }

    void schedule(Runnable action, long delayMs) {
        if (executor.isShutdown()) {
            return;
        }
        executor.schedule(() -> {
            try {
                action.run();
            } catch (Throwable e) {
                log.error("Herder action failed", e);
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    boolean owns(ConnectorTaskId id) {
        return tasks.contains(id);
    }

    synchronized ConnectProtocol.Metadata ownedMetadata(String url, long offset) {
        return new ConnectProtocol.Metadata(url, offset, List.copyOf(new TreeSet<>(connectors)),
                new TreeSet<>(tasks).stream().map(ConnectProtocol.Task::of).toList());
    }

    /** Every connector and task the config asks to run, as the assignor counts them. */
    static Set<String> workOf(ConfigStore.Snapshot snapshot) {
        Set<String> work = new HashSet<>();
        for (String connector : snapshot.connectorConfigs().keySet()) {
            work.add("connector:" + connector);
            if (snapshot.targetState(connector) != TargetState.STOPPED) {
                for (int i = 0; i < snapshot.taskCount(connector); i++) {
                    work.add("task:" + new ConnectorTaskId(connector, i));
                }
            }
        }
        return work;
    }

    /**
     * Takes a new assignment: stops at once whatever it no longer lists (while the old assignment still covers it,
     * so stopping tasks commit their offsets); what it adds starts in the next {@link #reconcile}.
     *
     * @return whether anything was stopped
     */
    synchronized boolean assign(int generation, ConnectProtocol.Assignment assignment) {
        Set<String> nextConnectors = Set.copyOf(assignment.connectors());
        Set<ConnectorTaskId> nextTasks = new HashSet<>();
        assignment.tasks().forEach(t -> nextTasks.add(t.id()));
        List<ConnectorTaskId> stopTasks = runningTasks.keySet().stream().filter(id -> !nextTasks.contains(id)).toList();
        List<String> stopConnectors = runningConnectors.keySet().stream().filter(c -> !nextConnectors.contains(c))
                .toList();
        stopTasks(stopTasks);
        stopConnectors.forEach(this::stopConnector);
        this.generation = generation;
        this.configOffset = assignment.configOffset();
        this.connectors = nextConnectors;
        this.tasks = Set.copyOf(nextTasks);
        return !stopTasks.isEmpty() || !stopConnectors.isEmpty();
    }

    /**
     * Stops everything here. {@code fenceFirst}: the generation is lost, so the tasks are fenced before they stop (no
     * last commit: another worker may own them already); else (shutdown) they stop while still owned and commit.
     */
    synchronized void stopAll(boolean fenceFirst) {
        if (fenceFirst) {
            tasks = Set.of();
        }
        stopTasks(new ArrayList<>(runningTasks.keySet()));
        new ArrayList<>(runningConnectors.keySet()).forEach(this::stopConnector);
        tasks = Set.of();
        connectors = Set.of();
    }

    /** Brings what runs here in line with the assignment and the config topic. */
    void reconcile() {
        long needed;
        synchronized (this) {
            needed = configOffset;
        }
        if (configs.snapshot().offset() < needed) {
            // The leader assigned from a newer config than this worker has read: catch up first.
            configs.refresh(CONFIG_WAIT);
        }
        Map<String, List<Map<String, String>>> toPublish = new LinkedHashMap<>();
        synchronized (this) {
            ConfigStore.Snapshot snapshot = configs.snapshot();
            stopTasks(runningTasks.keySet().stream().filter(id -> !tasks.contains(id)
                    || id.task() >= snapshot.taskCount(id.connector())
                    || snapshot.targetState(id.connector()) == TargetState.STOPPED
                    || !snapshot.tasks(id.connector()).get(id.task()).equals(runningTasks.get(id))).toList());
            for (String connector : new ArrayList<>(runningConnectors.keySet())) {
                if (!connectors.contains(connector) || !snapshot.contains(connector)
                        || snapshot.targetState(connector) == TargetState.STOPPED
                        || !snapshot.connectorConfigs().get(connector).equals(runningConnectors.get(connector))) {
                    stopConnector(connector);
                }
            }
            applyTargetStates(snapshot);
            for (String connector : connectors) {
                if (snapshot.contains(connector) && !runningConnectors.containsKey(connector)
                        && snapshot.targetState(connector) != TargetState.STOPPED) {
                    startConnector(connector, snapshot, toPublish);
                }
            }
            for (ConnectorTaskId id : new TreeSet<>(tasks)) {
                String connector = id.connector();
                if (!runningTasks.containsKey(id) && snapshot.contains(connector)
                        && id.task() < snapshot.taskCount(connector)
                        && snapshot.targetState(connector) != TargetState.STOPPED) {
                    Map<String, String> taskConfig = snapshot.tasks(connector).get(id.task());
                    worker.startTask(id, snapshot.connectorConfigs().get(connector), taskConfig,
                            snapshot.targetState(connector));
                    runningTasks.put(id, taskConfig);
                }
            }
        }
        toPublish.forEach(taskConfigPublisher);
    }

    private void applyTargetStates(ConfigStore.Snapshot snapshot) {
        Set<String> here = new HashSet<>(connectors);
        tasks.forEach(id -> here.add(id.connector()));
        targets.keySet().retainAll(here);
        for (String connector : here) {
            if (!snapshot.contains(connector)) {
                continue;
            }
            TargetState target = snapshot.targetState(connector);
            TargetState applied = targets.put(connector, target);
            if (target == TargetState.STOPPED) {
                if (connectors.contains(connector) && applied != TargetState.STOPPED) {
                    worker.recordStopped(connector);
                }
            } else if (applied != null && applied != target && applied != TargetState.STOPPED) {
                worker.setTargetState(connector, target);
            }
        }
    }

    private void startConnector(String connector, ConfigStore.Snapshot snapshot,
                                Map<String, List<Map<String, String>>> toPublish) {
        Map<String, String> config = snapshot.connectorConfigs().get(connector);
        boolean started = worker.startConnector(connector, config, snapshot.targetState(connector),
                () -> submit(() -> regenerateTasks(connector)));
        runningConnectors.put(connector, config);
        if (started) {
            collectTaskConfigs(connector, config, snapshot, toPublish);
        }
    }

    /** The connector asked for new task configs (requestTaskReconfiguration). */
    private void regenerateTasks(String connector) {
        Map<String, List<Map<String, String>>> toPublish = new LinkedHashMap<>();
        synchronized (this) {
            Map<String, String> config = runningConnectors.get(connector);
            if (config != null) {
                collectTaskConfigs(connector, config, configs.snapshot(), toPublish);
            }
        }
        toPublish.forEach(taskConfigPublisher);
    }

    private void collectTaskConfigs(String connector, Map<String, String> config, ConfigStore.Snapshot snapshot,
                                    Map<String, List<Map<String, String>>> toPublish) {
        List<Map<String, String>> generated = worker.connectorTaskConfigs(connector, config);
        Status status = worker.connectorStatus(connector);
        // A failed connector generates nothing; that must not wipe the tasks it had.
        if (status != null && status.state() != State.FAILED && !generated.equals(snapshot.tasks(connector))) {
            toPublish.put(connector, generated);
        }
    }

    /** A restart asked for over REST, of what runs here. */
    void restart(ConfigStore.RestartRequest request) {
        synchronized (this) {
            String connector = request.connector();
            Status status = worker.connectorStatus(connector);
            if (runningConnectors.containsKey(connector)
                    && (!request.onlyFailed() || (status != null && status.state() == State.FAILED))) {
                stopConnector(connector);
            }
            if (request.includeTasks()) {
                stopTasks(runningTasks.keySet().stream().filter(id -> id.connector().equals(connector))
                        .filter(id -> !request.onlyFailed() || failed(id)).toList());
            }
        }
        reconcile();
    }

    /** @return false when the task does not run here */
    boolean restartTask(ConnectorTaskId id) {
        synchronized (this) {
            if (!runningTasks.containsKey(id)) {
                return false;
            }
            stopTasks(List.of(id));
        }
        reconcile();
        return true;
    }

    private boolean failed(ConnectorTaskId id) {
        Status status = worker.taskStatus(id);
        return status != null && status.state() == State.FAILED;
    }

    private void stopTasks(List<ConnectorTaskId> ids) {
        if (!ids.isEmpty()) {
            worker.stopTasks(ids);
            ids.forEach(runningTasks::remove);
        }
    }

    private void stopConnector(String connector) {
        worker.stopConnector(connector);
        runningConnectors.remove(connector);
    }

    /** Writes the states of what runs here that changed since they were last written. */
    private void publishStatuses() {
        Map<String, StatusStore.Entry> changed = new LinkedHashMap<>();
        synchronized (this) {
            for (String connector : connectors) {
                collect("connector:" + connector, worker.connectorStatus(connector), changed);
            }
            for (ConnectorTaskId id : runningTasks.keySet()) {
                collect("task:" + id, worker.taskStatus(id), changed);
            }
        }
        changed.forEach((key, entry) -> {
            try {
                if (key.startsWith("connector:")) {
                    statuses.putConnector(key.substring("connector:".length()), entry);
                } else {
                    String name = key.substring("task:".length());
                    int dash = name.lastIndexOf('-');
                    statuses.putTask(new ConnectorTaskId(name.substring(0, dash),
                            Integer.parseInt(name.substring(dash + 1))), entry);
                }
                published.put(key, entry);
            } catch (RuntimeException e) {
                log.warn("Could not write status {} = {}: {}", key, entry.state(), e.toString());
            }
        });
    }

    private void collect(String key, Status status, Map<String, StatusStore.Entry> changed) {
        if (status == null) {
            return;
        }
        Status.Snapshot snapshot = status.snapshot();
        StatusStore.Entry entry = new StatusStore.Entry(snapshot.state().name(), snapshot.trace(), worker.workerId(),
                generation);
        if (!entry.equals(published.get(key))) {
            changed.put(key, entry);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopAll(false);
    }
}
