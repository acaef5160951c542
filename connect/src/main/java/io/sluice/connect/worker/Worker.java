package io.sluice.connect.worker;

import io.sluice.connect.errors.DeadLetterQueueReporter;
import io.sluice.connect.errors.ErrorHandler;
import io.sluice.connect.errors.ErrorHandlingConfig;
import io.sluice.connect.errors.ErrorReporter;
import io.sluice.connect.metrics.TaskMetrics;
import io.sluice.connect.metrics.TaskMetricsRegistry;
import io.sluice.connect.plugins.Plugins;
import io.sluice.connect.storage.KafkaOffsetStore;
import io.sluice.connect.storage.OffsetStore;
import io.sluice.connect.storage.SourceOffsets;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Runs the connectors and tasks it is told to run and reports their {@link Status}. It decides nothing: the
 * herder says what runs where. Connectors start on the caller's thread; every task gets its own thread. A task that
 * fails is restarted by the worker itself, with backoff, as its {@link TaskRestartPolicy} allows — so every herder
 * gets automatic restarts without doing anything.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    public static final String CONNECTOR_CLIENT_PRODUCER_OVERRIDES_PREFIX = "producer.override.";
    public static final String CONNECTOR_CLIENT_CONSUMER_OVERRIDES_PREFIX = "consumer.override.";
    /** The sink task class Kafka Connect adds to every task config. */
    public static final String TASK_CLASS = "task.class";

    private final WorkerConfig config;
    private final Plugins plugins;
    private final OffsetStore offsetStore;
    /** Offsets topics of connectors with their own {@code offsets.storage.topic}, by topic. */
    private final Map<String, KafkaOffsetStore> connectorOffsetStores = new ConcurrentHashMap<>();
    private final String workerId;
    private final Metrics metrics = new Metrics();
    private final Map<String, WorkerConnector> connectors = new ConcurrentHashMap<>();
    private final Map<String, Status> connectorStatus = new ConcurrentHashMap<>();
    private final Map<ConnectorTaskId, WorkerTask> tasks = new ConcurrentHashMap<>();
    private final Map<ConnectorTaskId, Status> taskStatus = new ConcurrentHashMap<>();
    private volatile Predicate<ConnectorTaskId> fence = id -> true;
    private volatile BiConsumer<ConnectorTaskId, String> topicListener = (id, topic) -> { };
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "connect-task-" + threads.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });
    private final Map<ConnectorTaskId, TaskMetrics> taskMetrics = new ConcurrentHashMap<>();
    private final TaskMetricsRegistry metricsRegistry = new TaskMetricsRegistry(metrics);
    /** How each task was started, for restarting it the same way; guarded by {@link #lifecycle}. */
    private final Map<ConnectorTaskId, TaskRestarts> restarts = new HashMap<>();
    /** Orders task starts and stops against automatic restarts, which come from the scheduler's thread. */
    private final Object lifecycle = new Object();
    private final ScheduledExecutorService restartScheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "connect-task-restarts");
        thread.setDaemon(true);
        return thread;
    });

    /** A task's start arguments and its run of automatic restarts. */
    private static final class TaskRestarts {
        final Map<String, String> connectorConfig;
        final Map<String, String> taskConfig;
        final TargetState target;
        final TaskRestartPolicy policy;
        int attempts;
        long startedMs = System.currentTimeMillis();
        ScheduledFuture<?> pending;

        TaskRestarts(Map<String, String> connectorConfig, Map<String, String> taskConfig, TargetState target,
                     TaskRestartPolicy policy) {
            this.connectorConfig = connectorConfig;
            this.taskConfig = taskConfig;
            this.target = target;
            this.policy = policy;
        }
    }

    public Worker(WorkerConfig config, Plugins plugins, OffsetStore offsetStore, String workerId) {
        this.config = config;
        this.plugins = plugins;
        this.offsetStore = offsetStore;
        this.workerId = workerId;
    }

    public String workerId() {
        return workerId;
    }

    public WorkerConfig config() {
        return config;
    }

    public Plugins plugins() {
        return plugins;
    }

    /**
     * Starts connector {@code name}; its status says whether it runs (a connector that fails to start is FAILED,
     * not an exception: Kafka Connect accepts the config and reports the failure in the status).
     */
    public boolean startConnector(String name, Map<String, String> connectorConfig, TargetState target,
                                  Runnable onReconfigure) {
        if (connectors.containsKey(name)) {
            throw new IllegalStateException("Connector " + name + " already runs on this worker");
        }
        Status status = new Status("connector " + name, workerId);
        connectorStatus.put(name, status);
        Connector connector;
        try {
            connector = plugins.newConnector(connectorConfig.get(ConnectorConfig.CONNECTOR_CLASS));
        } catch (RuntimeException e) {
            status.fail(e);
            return false;
        }
        WorkerConnector worker = new WorkerConnector(name, connector, connectorConfig, status,
                new PluginMetricsImpl(metrics, Map.of("connector", name)));
        connectors.put(name, worker);
        return worker.start(target, onReconfigure, offsetStore == null ? null : sourceOffsets(name, connectorConfig));
    }

    /** Task configs from a running connector, with what Kafka Connect adds ({@code task.class}, sink topics). */
    public List<Map<String, String>> connectorTaskConfigs(String name, Map<String, String> connectorConfig) {
        WorkerConnector connector = connectors.get(name);
        if (connector == null || !connector.isRunning()) {
            return List.of();
        }
        int maxTasks = Integer.parseInt(connectorConfig.getOrDefault(ConnectorConfig.TASKS_MAX, "1").trim());
        List<Map<String, String>> result = new ArrayList<>();
        try {
            List<Map<String, String>> configs = connector.taskConfigs(maxTasks);
            for (Map<String, String> taskConfig : configs.subList(0, Math.min(configs.size(), maxTasks))) {
                Map<String, String> copy = new LinkedHashMap<>(taskConfig);
                copy.put(TASK_CLASS, connector.taskClass().getName());
                if (connector.isSink()) {
                    copyIfSet(connectorConfig, copy, ConnectorConfig.TOPICS);
                    copyIfSet(connectorConfig, copy, ConnectorConfig.TOPICS_REGEX);
                }
                result.add(copy);
            }
        } catch (Throwable e) {
            log.error("Connector {} failed to generate task configs", name, e);
            connectorStatus.get(name).fail(e);
            return List.of();
        }
        return result;
    }

    private static void copyIfSet(Map<String, String> from, Map<String, String> to, String key) {
        String value = from.get(key);
        if (value != null && !value.isBlank()) {
            to.put(key, value);
        }
    }

    public void stopConnector(String name) {
        WorkerConnector connector = connectors.remove(name);
        if (connector != null) {
            connector.stop();
        }
    }

    /** Reports connector {@code name} STOPPED with no tasks; it must not run here (KIP-875's stopped state). */
    public void recordStopped(String name) {
        if (connectors.containsKey(name)) {
            throw new IllegalStateException("Connector " + name + " still runs on this worker");
        }
        Status status = new Status("connector " + name, workerId);
        status.moveTo(State.STOPPED);
        connectorStatus.put(name, status);
        taskStatus.keySet().removeIf(id -> id.connector().equals(name));
    }

    /** Forgets a connector's and its tasks' statuses (it was deleted). */
    public void forget(String name) {
        connectorStatus.remove(name);
        taskStatus.keySet().removeIf(id -> id.connector().equals(name));
        taskMetrics.values().removeIf(m -> {
            if (m.id.connector().equals(name)) {
                metricsRegistry.unregister(m);
                return true;
            }
            return false;
        });
    }

    /**
     * Which tasks this worker still owns, asked before a task produces or commits: a distributed herder answers
     * from its group generation, so a zombie task stops writing. Standalone workers own every task.
     */
    public void fenceWith(Predicate<ConnectorTaskId> owned) {
        this.fence = owned;
    }

    /** Told (on task threads) of each topic a task produces to or consumes from: Kafka Connect's topic tracking. */
    public void onTopicUsed(BiConsumer<ConnectorTaskId, String> listener) {
        this.topicListener = listener;
    }

    /** Starts one task on its own thread; a task that cannot be built is FAILED at once. */
    public void startTask(ConnectorTaskId id, Map<String, String> connectorConfig, Map<String, String> taskConfig,
                          TargetState target) {
        synchronized (lifecycle) {
            if (tasks.containsKey(id)) {
                throw new IllegalStateException("Task " + id + " already runs on this worker");
            }
            Status status = new Status("task " + id, workerId);
            taskStatus.put(id, status);
            TaskRestarts previous = restarts.put(id, new TaskRestarts(connectorConfig, taskConfig, target,
                    TaskRestartPolicy.of(config, connectorConfig)));
            cancel(previous);
            launch(id, status, restarts.get(id));
        }
    }

    /** Builds and runs the task; one that cannot be built is FAILED at once (and restarts like any failed task). */
    private void launch(ConnectorTaskId id, Status status, TaskRestarts how) {
        WorkerTask task;
        try {
            task = buildTask(id, how.connectorConfig, how.taskConfig, how.target, status);
        } catch (Throwable e) {
            log.error("Cannot start task {}", id, e);
            status.fail(e);
            scheduleRestart(id, null, how);
            return;
        }
        task.onFailure(this::taskFailed);
        task.fence(() -> fence.test(id));
        task.onTopicUsed(topic -> topicListener.accept(id, topic));
        tasks.put(id, task);
        executor.submit(task);
    }

    /** A task's thread reports that it failed: restart it after its backoff, if its policy allows. */
    private void taskFailed(WorkerTask task) {
        synchronized (lifecycle) {
            if (tasks.get(task.id) != task) {
                return; // stopped or replaced meanwhile
            }
            scheduleRestart(task.id, task, restarts.get(task.id));
        }
    }

    private void scheduleRestart(ConnectorTaskId id, WorkerTask failed, TaskRestarts how) {
        if (how == null || restartScheduler.isShutdown()) {
            return;
        }
        // A task that ran for longer than the longest backoff before failing starts a fresh run of attempts.
        if (System.currentTimeMillis() - how.startedMs > Math.max(how.policy.maxBackoffMs(), 1)) {
            how.attempts = 0;
        }
        if (!how.policy.mayRestart(how.attempts)) {
            if (how.policy.enabled()) {
                log.warn("Task {} failed after {} automatic restart(s); it stays FAILED until restarted by hand", id,
                        how.attempts);
            }
            return;
        }
        how.attempts++;
        long delay = how.policy.backoffMs(how.attempts);
        log.info("Task {} failed; restarting it in {} ms (automatic restart {})", id, delay, how.attempts);
        try {
            how.pending = restartScheduler.schedule(() -> autoRestart(id, failed, how), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Worker closing; task {} is not restarted", id);
        }
    }

    private void autoRestart(ConnectorTaskId id, WorkerTask failed, TaskRestarts how) {
        synchronized (lifecycle) {
            if (restarts.get(id) != how || tasks.get(id) != failed) {
                return; // stopped, restarted by hand or reconfigured meanwhile
            }
            Status status = taskStatus.get(id);
            if (status == null || status.state() != State.FAILED) {
                return;
            }
            tasks.remove(id);
            status.moveTo(State.RESTARTING);
            how.startedMs = System.currentTimeMillis();
            metrics(id).restarts.increment();
            log.info("Restarting failed task {} (automatic restart {})", id, how.attempts);
            launch(id, status, how);
        }
    }

    private static void cancel(TaskRestarts how) {
        if (how != null && how.pending != null) {
            how.pending.cancel(false);
        }
    }

    /** The worker's kafka-clients metrics: plugin metrics and each task's counters under Kafka Connect's names. */
    public Metrics kafkaMetrics() {
        return metrics;
    }

    /** The task's counters, kept across its restarts on this worker. */
    public TaskMetrics metrics(ConnectorTaskId id) {
        return taskMetrics.computeIfAbsent(id, TaskMetrics::new);
    }

    /** Counters of every task of {@code connector} this worker ran, by task number. */
    public List<TaskMetrics> connectorMetrics(String connector) {
        List<TaskMetrics> result = new ArrayList<>();
        new java.util.TreeMap<>(taskMetrics).forEach((id, m) -> {
            if (id.connector().equals(connector)) {
                result.add(m);
            }
        });
        return result;
    }

    /** Topics the connector's tasks produced to or consumed from on this worker since the last reset. */
    public Set<String> activeTopics(String connector) {
        Set<String> topics = new java.util.TreeSet<>();
        connectorMetrics(connector).forEach(m -> topics.addAll(m.topics()));
        return topics;
    }

    public void resetActiveTopics(String connector) {
        connectorMetrics(connector).forEach(TaskMetrics::resetTopics);
    }

    @SuppressWarnings("unchecked")
    private WorkerTask buildTask(ConnectorTaskId id, Map<String, String> connectorConfig, Map<String, String> taskConfig,
                                 TargetState target, Status status) throws Exception {
        Class<? extends Task> taskClass = taskClass(id, connectorConfig, taskConfig);
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(taskClass.getClassLoader());
        List<AutoCloseable> built = new ArrayList<>();
        try {
            Task task = taskClass.getConstructor().newInstance();
            RecordConverters converters = RecordConverters.of(connectorConfig, config, plugins);
            built.add(converters);
            PluginMetricsImpl taskMetrics = new PluginMetricsImpl(metrics,
                    Map.of("connector", id.connector(), "task", String.valueOf(id.task())));
            built.add(taskMetrics);
            TaskMetrics counters = metrics(id);
            metricsRegistry.register(counters, task instanceof SourceTask);
            WorkerTask[] self = new WorkerTask[1];
            ErrorHandler errors = errorHandler(id, connectorConfig, converters, counters,
                    () -> self[0] != null && self[0].isStopping());
            built.add(errors);
            long interval = config.getLong(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS);
            if (task instanceof SourceTask sourceTask) {
                TransformationChain<SourceRecord> transforms = TransformationChain.of(connectorConfig, plugins);
                built.add(transforms);
                if (offsetStore == null) {
                    throw new ConnectException("This worker has no offset store for source tasks");
                }
                SourceOffsets taskOffsets = sourceOffsets(id.connector(), connectorConfig);
                boolean exactlyOnce = config.exactlyOnceSourceEnabled();
                Map<String, Object> producerSettings = producerSettings(id, connectorConfig);
                if (exactlyOnce) {
                    producerSettings.putAll(ExactlyOnceSources.producerSettings(config, id));
                }
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings,
                        new ByteArraySerializer(), new ByteArraySerializer());
                built.add(producer);
                SourceTransactions transactions = exactlyOnce ? new SourceTransactions(producer,
                        SourceConnectorConfig.transactionBoundary(connectorConfig),
                        SourceConnectorConfig.transactionInterval(connectorConfig, interval),
                        ExactlyOnceSources.offsetsTopic(taskOffsets.store())) : null;
                self[0] = new WorkerSourceTask(id, status, target, sourceTask, taskConfig, converters, transforms,
                        producer, taskOffsets, taskMetrics, interval, errors, counters, transactions);
                return self[0];
            }
            if (task instanceof SinkTask sinkTask) {
                TransformationChain<SinkRecord> transforms = TransformationChain.of(connectorConfig, plugins);
                built.add(transforms);
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerSettings(id, connectorConfig),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer());
                self[0] = new WorkerSinkTask(id, status, target, sinkTask, taskConfig, converters, transforms,
                        consumer, taskMetrics, interval, errors, counters);
                return self[0];
            }
            throw new ConnectException("Task class " + taskClass.getName() + " is neither a SourceTask nor a SinkTask");
        } catch (Exception | LinkageError e) {
            built.forEach(c -> Utils.closeQuietly(c, "task part"));
            throw e;
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    /** The task's errors.* handling: log and dead-letter-queue reporters as its connector config asks. */
    private ErrorHandler errorHandler(ConnectorTaskId id, Map<String, String> connectorConfig,
                                      RecordConverters converters, TaskMetrics counters,
                                      java.util.function.BooleanSupplier stopping) {
        ErrorHandlingConfig errors = ErrorHandlingConfig.of(connectorConfig);
        List<ErrorReporter> reporters = new ArrayList<>(ErrorHandler.logReporter(errors, counters));
        if (errors.dlqEnabled()) {
            Map<String, Object> producer = new HashMap<>(config.producerSettings());
            producer.put(ProducerConfig.CLIENT_ID_CONFIG, "connector-dlq-producer-" + id);
            producer.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
            reporters.add(DeadLetterQueueReporter.create(errors, config.adminSettings(), producer,
                    record -> SourceRecordPipeline.serialize(converters, record), counters));
        }
        return new ErrorHandler(id, errors, reporters, counters, stopping);
    }

    /**
     * The running connector's task class or, on a distributed worker that runs the task without its connector, the
     * {@code task.class} of the task config, loaded by the connector plugin's class loader.
     */
    @SuppressWarnings("unchecked")
    private Class<? extends Task> taskClass(ConnectorTaskId id, Map<String, String> connectorConfig,
                                            Map<String, String> taskConfig) throws ClassNotFoundException {
        WorkerConnector connector = connectors.get(id.connector());
        if (connector != null) {
            return (Class<? extends Task>) connector.taskClass();
        }
        String name = taskConfig.get(TASK_CLASS);
        if (name == null) {
            throw new ConnectException("Connector " + id.connector() + " does not run on this worker and task " + id
                    + " has no " + TASK_CLASS);
        }
        ClassLoader loader = plugins.connector(connectorConfig.get(ConnectorConfig.CONNECTOR_CLASS)).loader();
        return (Class<? extends Task>) Class.forName(name, true, loader);
    }

    /**
     * Connector {@code name}'s offsets: in its own {@code offsets.storage.topic} when it sets one and this worker
     * keeps offsets in a topic (reading the worker's topic for partitions not found there), else the worker's store.
     */
    public SourceOffsets sourceOffsets(String name, Map<String, String> connectorConfig) {
        String topic = SourceConnectorConfig.offsetsTopic(connectorConfig);
        if (topic == null || !(offsetStore instanceof KafkaOffsetStore global) || topic.equals(global.topic())) {
            return new SourceOffsets(name, offsetStore);
        }
        KafkaOffsetStore own = connectorOffsetStores.computeIfAbsent(topic, t -> new KafkaOffsetStore(
                config.adminSettings(), "connect-offsets-" + t, t, config.getInt(WorkerConfig.OFFSET_PARTITIONS),
                config.offsetStorageReplicationFactor()));
        return new SourceOffsets(name, own, offsetStore);
    }

    /**
     * Fences the transactional producers of tasks {@code fromTask} (inclusive) to {@code toTask} (exclusive) of
     * {@code connector}: ids that no longer run (the connector has fewer tasks now, or is stopped) must not be
     * able to commit a transaction a zombie still holds open. No-op unless exactly-once is enabled.
     */
    public void fenceZombies(String connector, int fromTask, int toTask) {
        if (!config.exactlyOnceSourceEnabled() || fromTask >= toTask) {
            return;
        }
        ExactlyOnceSources.fence(config, connector, fromTask, toTask);
    }

    private Map<String, Object> producerSettings(ConnectorTaskId id, Map<String, String> connectorConfig) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "connector-producer-" + id);
        settings.putAll(config.producerSettings());
        settings.putAll(prefixed(connectorConfig, CONNECTOR_CLIENT_PRODUCER_OVERRIDES_PREFIX));
        return settings;
    }

    private Map<String, Object> consumerSettings(ConnectorTaskId id, Map<String, String> connectorConfig) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "connect-" + id.connector());
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "connector-consumer-" + id);
        settings.putAll(config.consumerSettings());
        settings.putAll(prefixed(connectorConfig, CONNECTOR_CLIENT_CONSUMER_OVERRIDES_PREFIX));
        return settings;
    }

    private static Map<String, Object> prefixed(Map<String, String> settings, String prefix) {
        Map<String, Object> result = new HashMap<>();
        settings.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                result.put(key.substring(prefix.length()), value);
            }
        });
        return result;
    }

    /** Stops the given tasks, all at once, and waits (bounded by task.shutdown.graceful.timeout.ms) for them. */
    public void stopTasks(Collection<ConnectorTaskId> ids) {
        List<WorkerTask> stopping = new ArrayList<>();
        synchronized (lifecycle) {
            for (ConnectorTaskId id : ids) {
                cancel(restarts.remove(id));
                WorkerTask task = tasks.remove(id);
                if (task != null) {
                    task.stop();
                    stopping.add(task);
                }
            }
        }
        long deadline = System.currentTimeMillis() + config.getLong(WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS);
        for (WorkerTask task : stopping) {
            try {
                if (!task.awaitStop(Math.max(0, deadline - System.currentTimeMillis()))) {
                    log.warn("Task {} did not stop within {} ms; abandoning it", task.id,
                            config.getLong(WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public Set<ConnectorTaskId> taskIds(String connector) {
        Set<ConnectorTaskId> ids = new java.util.TreeSet<>();
        for (ConnectorTaskId id : taskStatus.keySet()) {
            if (id.connector().equals(connector)) {
                ids.add(id);
            }
        }
        return ids;
    }

    public void setTargetState(String name, TargetState target) {
        WorkerConnector connector = connectors.get(name);
        if (connector != null) {
            connector.transitionTo(target);
        }
        tasks.forEach((id, task) -> {
            if (id.connector().equals(name)) {
                task.transitionTo(target);
            }
        });
    }

    public Status connectorStatus(String name) {
        return connectorStatus.get(name);
    }

    public Status taskStatus(ConnectorTaskId id) {
        return taskStatus.get(id);
    }

    @Override
    public void close() {
        restartScheduler.shutdownNow();
        stopTasks(new ArrayList<>(tasks.keySet()));
        new ArrayList<>(connectors.keySet()).forEach(this::stopConnector);
        executor.shutdownNow();
        connectorOffsetStores.values().forEach(store -> Utils.closeQuietly(store, "offsets store"));
        metrics.close();
    }
}
