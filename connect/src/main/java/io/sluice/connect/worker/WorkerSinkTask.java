package io.sluice.connect.worker;

import io.sluice.connect.errors.ErrorHandler;
import io.sluice.connect.metrics.TaskMetrics;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Runs a {@link SinkTask} on a consumer of group {@code connect-<connector>} that reads {@code read_committed}
 * (the worker sets it; unlike Kafka Connect it is the default), so aborted transactions never reach a sink.
 * Polled records → converters → transforms → {@code put}; every {@code offset.flush.interval.ms}, on
 * {@code requestCommit()}, on rebalance and on stop, {@code preCommit} (by default {@code flush}) decides the
 * offsets committed. A {@link RetriableException} from {@code put} redelivers the same batch after the task's
 * timeout (default 1 s).
 */
final class WorkerSinkTask extends WorkerTask {
    private static final Logger log = LoggerFactory.getLogger(WorkerSinkTask.class);
    private static final long DEFAULT_RETRY_TIMEOUT_MS = 1_000;

    private final SinkTask task;
    private final Map<String, String> taskConfig;
    private final RecordConverters converters;
    private final TransformationChain<SinkRecord> transforms;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PluginMetrics metrics;
    private final long commitIntervalMs;
    private final Map<TopicPartition, OffsetAndMetadata> currentOffsets = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> lastCommitted = new HashMap<>();
    private final Map<TopicPartition, Long> requestedSeeks = new ConcurrentHashMap<>();
    private final Set<TopicPartition> pausedByTask = ConcurrentHashMap.newKeySet();
    private volatile boolean commitRequested;
    private volatile long retryTimeoutMs = -1;
    private List<SinkRecord> retryBatch;
    private List<ConsumerRecord<byte[], byte[]>> retrySource;
    private boolean consumerPaused;
    private boolean started;
    private final SinkRecordPipeline pipeline;
    private final ErrorHandler errors;
    private final TaskMetrics taskMetrics;
    /** Null unless errors.deadletterqueue.topic.name or errors.log.enable is set, as in Kafka Connect. */
    private final WorkerErrantRecordReporter errantRecords;

    WorkerSinkTask(ConnectorTaskId id, Status status, TargetState initial, SinkTask task, Map<String, String> taskConfig,
                   RecordConverters converters, TransformationChain<SinkRecord> transforms,
                   KafkaConsumer<byte[], byte[]> consumer, PluginMetrics metrics, long commitIntervalMs,
                   ErrorHandler errors, TaskMetrics taskMetrics) {
        super(id, status, initial, task.getClass().getClassLoader());
        this.task = task;
        this.taskConfig = taskConfig;
        this.converters = converters;
        this.transforms = transforms;
        this.consumer = consumer;
        this.metrics = metrics;
        this.commitIntervalMs = commitIntervalMs;
        this.errors = errors;
        this.taskMetrics = taskMetrics;
        this.pipeline = new SinkRecordPipeline(converters, transforms, errors);
        this.errantRecords = errors.config().errantRecordReporterEnabled()
                ? new WorkerErrantRecordReporter(errors, converters) : null;
    }

    @Override
    protected void initializeAndStart() {
        task.initialize(new Context());
        task.start(taskConfig);
        started = true;
        String regex = taskConfig.getOrDefault(ConnectorConfig.TOPICS_REGEX, "");
        if (!regex.isBlank()) {
            consumer.subscribe(Pattern.compile(regex.trim()), new Rebalance());
        } else {
            List<String> topics = new ArrayList<>();
            for (String topic : taskConfig.getOrDefault(ConnectorConfig.TOPICS, "").split(",")) {
                if (!topic.isBlank()) {
                    topics.add(topic.trim());
                }
            }
            consumer.subscribe(topics, new Rebalance());
        }
        log.info("Sink task {} started", id);
    }

    @Override
    protected void execute() {
        long nextCommit = System.currentTimeMillis() + commitIntervalMs;
        while (!isStopping()) {
            try {
                pollOnce();
            } catch (WakeupException e) {
                // stop() or a target-state change; the loop re-reads both.
            }
            if (commitRequested || System.currentTimeMillis() >= nextCommit) {
                commitRequested = false;
                commit(currentOffsets.keySet());
                nextCommit = System.currentTimeMillis() + commitIntervalMs;
            }
        }
    }

    private void pollOnce() {
        boolean paused = targetState() == TargetState.PAUSED;
        if (paused != consumerPaused) {
            consumerPaused = paused;
            applyPauses();
            status.moveTo(paused ? State.PAUSED : State.RUNNING);
        }
        applyRequestedSeeks();
        long timeout = retryTimeoutMs >= 0 ? retryTimeoutMs : DEFAULT_RETRY_TIMEOUT_MS;
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(retryBatch != null ? timeout : 1_000));
        taskMetrics.polled(System.currentTimeMillis());
        taskMetrics.sinkRecordsRead.add(polled.count());
        polled.partitions().forEach(tp -> taskMetrics.usedTopic(tp.topic()));
        updateLag();
        if (paused) {
            return;
        }
        List<SinkRecord> batch;
        List<ConsumerRecord<byte[], byte[]>> source;
        if (retryBatch != null) {
            // Every partition is paused while a batch waits, so nothing new was polled.
            batch = retryBatch;
            source = retrySource;
        } else {
            batch = new ArrayList<>(polled.count());
            source = new ArrayList<>(polled.count());
            for (ConsumerRecord<byte[], byte[]> record : polled) {
                source.add(record);
                // Converters and transforms run under errors.*: a poison record is reported and skipped, or fails.
                SinkRecord converted = pipeline.apply(record);
                if (converted != null) {
                    batch.add(converted);
                }
            }
        }
        try {
            task.put(batch);
        } catch (RetriableException e) {
            log.warn("Sink task {} asked to retry a batch of {} record(s): {}", id, batch.size(), e.getMessage());
            retryBatch = batch;
            retrySource = source;
            consumer.pause(consumer.assignment());
            return;
        }
        taskMetrics.sinkRecordsPut.add(batch.size());
        if (retryBatch != null) {
            retryBatch = null;
            retrySource = null;
            applyPauses();
        }
        for (ConsumerRecord<byte[], byte[]> record : source) {
            currentOffsets.put(new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1));
        }
    }

    /** Seeks where the task asked ({@code SinkTaskContext.offset}), for the partitions assigned now. */
    private void applyRequestedSeeks() {
        requestedSeeks.forEach((tp, offset) -> {
            if (consumer.assignment().contains(tp)) {
                consumer.seek(tp, offset);
                currentOffsets.put(tp, new OffsetAndMetadata(offset));
            }
            requestedSeeks.remove(tp, offset);
        });
    }

    /** Pauses everything while the connector is paused or a batch waits for retry, else what the task paused. */
    private void applyPauses() {
        Set<TopicPartition> assignment = consumer.assignment();
        if (consumerPaused || retryBatch != null) {
            consumer.pause(assignment);
        } else {
            Set<TopicPartition> resume = new HashSet<>(assignment);
            resume.removeAll(pausedByTask);
            consumer.resume(resume);
            consumer.pause(intersect(assignment, pausedByTask));
        }
    }

    /** Lag per partition as end offset − committed offset, from what the consumer already knows (no request). */
    private void updateLag() {
        for (TopicPartition tp : consumer.assignment()) {
            OffsetAndMetadata committed = lastCommitted.get(tp);
            java.util.OptionalLong behind = consumer.currentLag(tp);
            if (committed == null || behind.isEmpty()) {
                continue;
            }
            try {
                long end = consumer.position(tp, Duration.ZERO) + behind.getAsLong();
                taskMetrics.lag(tp, end - committed.offset());
            } catch (RuntimeException e) {
                // No position yet (being reset): the next poll tells.
            }
        }
    }

    /** Asks the task which offsets are safe ({@code preCommit}) and commits those of {@code partitions}. */
    private void commit(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offered = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata offset = currentOffsets.get(tp);
            if (offset != null) {
                offered.put(tp, offset);
            }
        }
        if (errantRecords != null) {
            errantRecords.awaitReports(commitIntervalMs);
        }
        Map<TopicPartition, OffsetAndMetadata> safe;
        try {
            safe = task.preCommit(offered);
        } catch (Throwable e) {
            log.error("Sink task {} failed to flush; offsets not committed this time", id, e);
            return;
        }
        if (safe == null || safe.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        Set<TopicPartition> assigned = consumer.assignment();
        safe.forEach((tp, offset) -> {
            if (assigned.contains(tp) && !offset.equals(lastCommitted.get(tp))) {
                toCommit.put(tp, offset);
            }
        });
        if (toCommit.isEmpty()) {
            return;
        }
        if (isFenced()) {
            // Another worker may own this task now and have committed further; committing would move offsets back.
            log.warn("Sink task {} is fenced (its worker lost its group generation); not committing {}", id, toCommit);
            return;
        }
        try {
            // The consumer's own group generation goes with the commit too: the broker refuses it from a replaced member.
            consumer.commitSync(toCommit);
            lastCommitted.putAll(toCommit);
        } catch (WakeupException e) {
            consumer.commitSync(toCommit);
            lastCommitted.putAll(toCommit);
        } catch (RuntimeException e) {
            log.warn("Sink task {} could not commit offsets {}: {}", id, toCommit, e.toString());
        }
    }

    private static Set<TopicPartition> intersect(Set<TopicPartition> a, Set<TopicPartition> b) {
        Set<TopicPartition> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }

    @Override
    protected void wakeUp() {
        consumer.wakeup();
    }

    @Override
    protected void close() {
        try {
            if (started) {
                if (!status.snapshot().state().equals(State.FAILED)) {
                    commit(new HashSet<>(currentOffsets.keySet()));
                }
                task.close(new HashSet<>(consumer.assignment()));
                task.stop();
            }
        } catch (Throwable e) {
            log.warn("Sink task {} did not stop cleanly", id, e);
        } finally {
            Utils.closeQuietly(consumer, "sink consumer");
            transforms.close();
            converters.close();
            errors.close();
            Utils.closeQuietly(metrics instanceof AutoCloseable c ? c : null, "plugin metrics");
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            commit(partitions);
            task.close(partitions);
            partitions.forEach(tp -> {
                currentOffsets.remove(tp);
                lastCommitted.remove(tp);
                taskMetrics.forgetLag(tp);
            });
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.stream().map(TopicPartition::topic).distinct().forEach(WorkerSinkTask.this::topicUsed);
            for (TopicPartition tp : partitions) {
                long position = consumer.position(tp);
                currentOffsets.put(tp, new OffsetAndMetadata(position));
                lastCommitted.put(tp, new OffsetAndMetadata(position));
            }
            task.open(partitions);
            // Seeks asked for in open() apply before this poll fetches (as in Kafka Connect), so no record from
            // the group's committed offset reaches the task when it keeps its offsets elsewhere.
            applyRequestedSeeks();
            applyPauses();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member owns them now: no commit, just let the task drop its state.
            task.close(partitions);
            partitions.forEach(tp -> {
                currentOffsets.remove(tp);
                lastCommitted.remove(tp);
                taskMetrics.forgetLag(tp);
            });
        }
    }

    private final class Context implements SinkTaskContext {
        @Override
        public Map<String, String> configs() {
            return taskConfig;
        }

        @Override
        public void offset(Map<TopicPartition, Long> offsets) {
            requestedSeeks.putAll(offsets);
        }

        @Override
        public void offset(TopicPartition tp, long offset) {
            requestedSeeks.put(tp, offset);
        }

        @Override
        public void timeout(long timeoutMs) {
            retryTimeoutMs = timeoutMs;
        }

        @Override
        public Set<TopicPartition> assignment() {
            return Set.copyOf(consumer.assignment());
        }

        @Override
        public void pause(TopicPartition... partitions) {
            pausedByTask.addAll(Arrays.asList(partitions));
            consumer.pause(Arrays.asList(partitions));
        }

        @Override
        public void resume(TopicPartition... partitions) {
            Arrays.asList(partitions).forEach(pausedByTask::remove);
            if (!consumerPaused && retryBatch == null) {
                consumer.resume(Arrays.asList(partitions));
            }
        }

        @Override
        public void requestCommit() {
            commitRequested = true;
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return metrics;
        }

        @Override
        public org.apache.kafka.connect.sink.ErrantRecordReporter errantRecordReporter() {
            return errantRecords;
        }
    }
}
