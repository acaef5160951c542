package io.sluice.connect.worker;

import io.sluice.connect.errors.ErrorHandler;
import io.sluice.connect.errors.ProcessingContext;
import io.sluice.connect.errors.Stage;
import io.sluice.connect.errors.ToleranceType;
import io.sluice.connect.metrics.TaskMetrics;
import io.sluice.connect.storage.SourceOffsets;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.source.TransactionContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Runs a {@link SourceTask}: poll → transforms → converters → idempotent producer. Source offsets are committed
 * every {@code offset.flush.interval.ms} and when the task stops, and only after the producer has acknowledged
 * every record sent before — so after a crash the task resumes at or before the last record that reached Kafka
 * (at-least-once; a clean stop loses and repeats nothing).
 *
 * <p>Exactly-once ({@link SourceTransactions} given): the producer is transactional, records and their source
 * offsets commit in one transaction at each {@code transaction.boundary}, and {@code commitRecord} / {@code commit}
 * are called only after the commit — after a crash the task resumes exactly after the last committed record.
 */
final class WorkerSourceTask extends WorkerTask {
    private static final Logger log = LoggerFactory.getLogger(WorkerSourceTask.class);

    private final SourceTask task;
    private final Map<String, String> taskConfig;
    private final RecordConverters converters;
    private final TransformationChain<SourceRecord> transforms;
    private final KafkaProducer<byte[], byte[]> producer;
    private final SourceOffsets offsets;
    private final PluginMetrics metrics;
    private final long flushIntervalMs;
    private final SourceRecordPipeline pipeline;
    private final ErrorHandler errors;
    private final TaskMetrics taskMetrics;
    /** Offsets of records sent since the last commit, by source partition; the task thread's only. */
    private final Map<Map<String, ?>, Map<String, ?>> pendingOffsets = new HashMap<>();
    private final Set<String> topicsUsed = new HashSet<>();
    private volatile Throwable sendFailure;
    private volatile boolean started;
    /** Exactly-once: the task's transactions; null for at-least-once. */
    private final SourceTransactions transactions;
    /** Exactly-once: records of the open transaction the producer acknowledged, for commitRecord after the commit. */
    private final Queue<Map.Entry<SourceRecord, RecordMetadata>> acknowledgedInTransaction =
            new ConcurrentLinkedQueue<>();

    WorkerSourceTask(ConnectorTaskId id, Status status, TargetState initial, SourceTask task,
                     Map<String, String> taskConfig, RecordConverters converters,
                     TransformationChain<SourceRecord> transforms, KafkaProducer<byte[], byte[]> producer,
                     SourceOffsets offsets, PluginMetrics metrics, long flushIntervalMs, ErrorHandler errors,
                     TaskMetrics taskMetrics, SourceTransactions transactions) {
        super(id, status, initial, task.getClass().getClassLoader());
        this.task = task;
        this.taskConfig = taskConfig;
        this.converters = converters;
        this.transforms = transforms;
        this.producer = producer;
        this.offsets = offsets;
        this.metrics = metrics;
        this.flushIntervalMs = flushIntervalMs;
        this.errors = errors;
        this.taskMetrics = taskMetrics;
        this.pipeline = new SourceRecordPipeline(converters, transforms, errors);
        this.transactions = transactions;
    }

    @Override
    protected void initializeAndStart() {
        if (transactions != null) {
            // Before the task reads its offsets: aborts what a dead instance left open, so those reads are final.
            transactions.initialize();
        }
        TransactionContext transactionContext = transactions != null
                && transactions.boundary() == SourceTask.TransactionBoundary.CONNECTOR ? transactions : null;
        task.initialize(new SourceTaskContext() {
            @Override
            public Map<String, String> configs() {
                return taskConfig;
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                return offsets;
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return metrics;
            }

            @Override
            public TransactionContext transactionContext() {
                return transactionContext;
            }
        });
        task.start(taskConfig);
        started = true;
        log.info("Source task {} started", id);
    }

    @Override
    protected void execute() throws InterruptedException {
        long nextCommit = System.currentTimeMillis() + flushIntervalMs;
        while (!isStopping()) {
            if (transactions != null && transactions.isOpen() && targetState() == TargetState.PAUSED
                    && transactions.boundary() != SourceTask.TransactionBoundary.CONNECTOR) {
                // A transaction left open through a long pause would outlive transaction.timeout.ms and be aborted.
                commitTransaction();
            }
            awaitUnpaused();
            if (isStopping()) {
                break;
            }
            checkSendFailure();
            if (isFenced()) {
                awaitUnfenced();
                continue;
            }
            List<SourceRecord> records;
            try {
                records = task.poll();
            } catch (org.apache.kafka.connect.errors.RetriableException
                     | org.apache.kafka.common.errors.RetriableException e) {
                // As Kafka Connect: a retriable failure to poll (stage TASK_POLL) just means "poll again".
                log.warn("Source task {} failed to poll records; will poll again", id, e);
                records = null;
            } catch (RuntimeException | InterruptedException e) {
                if (isStopping()) {
                    // stop() closed what poll() was reading; the records sent before still get their offsets.
                    break;
                }
                throw e;
            }
            taskMetrics.polled(System.currentTimeMillis());
            if (transactions != null) {
                if (records != null) {
                    taskMetrics.sourceRecordsPolled.add(records.size());
                }
                sendInTransactions(records);
                continue;
            }
            if (records != null) {
                taskMetrics.sourceRecordsPolled.add(records.size());
                for (SourceRecord record : records) {
                    send(record);
                }
            }
            if (System.currentTimeMillis() >= nextCommit) {
                commitOffsets();
                nextCommit = System.currentTimeMillis() + flushIntervalMs;
            }
        }
        if (transactions == null) {
            commitOffsets();
        } else if (transactions.boundary() == SourceTask.TransactionBoundary.CONNECTOR) {
            // The connector did not say this transaction is complete: it must not become visible.
            abortTransaction();
        } else {
            commitTransaction();
        }
    }

    /** Exactly-once: sends a poll's records inside the open transaction and ends it where the boundary says. */
    private void sendInTransactions(List<SourceRecord> records) {
        boolean polled = records != null && !records.isEmpty();
        if (polled) {
            for (SourceRecord record : records) {
                transactions.ensureOpen();
                send(record);
                switch (transactions.afterRecord(record)) {
                    case COMMIT -> commitTransaction();
                    case ABORT -> abortTransaction();
                    default -> {
                    }
                }
            }
        }
        switch (transactions.afterPoll(polled)) {
            case COMMIT -> commitTransaction();
            case ABORT -> abortTransaction();
            default -> {
            }
        }
    }

    /**
     * Exactly-once: commits the records sent since the last boundary together with their source offsets, then
     * tells the task. A failure (send error, fenced by a newer instance) fails the task.
     */
    private void commitTransaction() {
        checkSendFailure();
        transactions.commit(offsets.serialize(pendingOffsets));
        pendingOffsets.clear();
        checkSendFailure();
        for (Map.Entry<SourceRecord, RecordMetadata> done; (done = acknowledgedInTransaction.poll()) != null; ) {
            commitRecord(done.getKey(), done.getValue());
        }
        try {
            task.commit();
        } catch (Throwable e) {
            log.error("Source task {} threw from commit; ignored, as Kafka Connect does", id, e);
        }
    }

    /** Exactly-once: drops the open transaction, its records and their offsets. */
    private void abortTransaction() {
        transactions.abort();
        pendingOffsets.clear();
        acknowledgedInTransaction.clear();
        sendFailure = null;
    }

    /** A fenced task polls nothing and sends nothing until its worker is back in the group (or it is stopped). */
    private void awaitUnfenced() throws InterruptedException {
        log.warn("Source task {} is fenced (its worker lost its group generation); not producing", id);
        synchronized (this) {
            while (isFenced() && !isStopping()) {
                wait(100);
            }
        }
    }

    private void send(SourceRecord original) {
        // Transforms and converters run under errors.*: a failed record is reported and skipped, or fails the task.
        ProducerRecord<byte[], byte[]> record = pipeline.apply(original);
        if (record != null) {
            String topic = record.topic();
            if (topicsUsed.add(topic)) {
                topicUsed(topic);
            }
            producer.send(record, (metadata, error) -> acknowledged(original, metadata, error));
        } else if (transactions != null) {
            acknowledgedInTransaction.add(new AbstractMap.SimpleImmutableEntry<>(original, null));
        } else {
            commitRecord(original, null);
        }
        if (original.sourcePartition() != null) {
            pendingOffsets.put(original.sourcePartition(), original.sourceOffset());
        }
    }

    private void acknowledged(SourceRecord original, RecordMetadata metadata, Exception error) {
        if (error != null) {
            if (errors.config().tolerance() == ToleranceType.ALL) {
                // As Kafka Connect since KIP-779: with errors.tolerance=all a record the producer rejects is
                // reported and skipped, its offset committed.
                errors.reportFailed(Stage.KAFKA_PRODUCE, producer.getClass(), ProcessingContext.source(original),
                        error);
                commitRecord(original, null);
                return;
            }
            if (sendFailure == null) {
                sendFailure = error;
            }
            return;
        }
        taskMetrics.sourceRecordsWritten.increment();
        taskMetrics.usedTopic(metadata.topic());
        if (transactions != null) {
            acknowledgedInTransaction.add(new AbstractMap.SimpleImmutableEntry<>(original, metadata));
        } else {
            commitRecord(original, metadata);
        }
    }

    private void commitRecord(SourceRecord record, RecordMetadata metadata) {
        try {
            task.commitRecord(record, metadata);
        } catch (Throwable e) {
            log.error("Source task {} threw from commitRecord; ignored, as Kafka Connect does", id, e);
        }
    }

    private void checkSendFailure() {
        Throwable failure = sendFailure;
        if (failure != null) {
            throw new ConnectException("Unrecoverable exception from producer send callback", failure);
        }
    }

    /** Waits for every record sent so far, then stores their source offsets and tells the task. */
    private void commitOffsets() {
        producer.flush();
        checkSendFailure();
        if (isFenced()) {
            // The task's new owner resumes from the last offsets committed while this one owned it.
            log.warn("Source task {} is fenced; not committing its source offsets", id);
            pendingOffsets.clear();
            return;
        }
        if (!pendingOffsets.isEmpty()) {
            offsets.write(new HashMap<>(pendingOffsets));
            pendingOffsets.clear();
        }
        try {
            task.commit();
        } catch (Throwable e) {
            log.error("Source task {} threw from commit; ignored, as Kafka Connect does", id, e);
        }
    }

    @Override
    void stop() {
        super.stop();
        // SourceTask.stop() is called from another thread by design: it is how a poll() blocked on its source returns.
        if (started) {
            try {
                task.stop();
            } catch (Throwable e) {
                log.warn("Source task {} threw from stop()", id, e);
            }
        }
    }

    @Override
    protected void wakeUp() {
    }

    @Override
    protected void close() {
        if (!isStopping() && started) {
            try {
                task.stop();
            } catch (Throwable e) {
                log.warn("Source task {} threw from stop()", id, e);
            }
        }
        if (transactions != null && transactions.isOpen()) {
            try {
                transactions.abort();
            } catch (Throwable e) {
                log.debug("Source task {} could not abort its open transaction; the next instance will", id, e);
            }
        }
        producer.close(Duration.ofSeconds(5));
        transforms.close();
        converters.close();
        errors.close();
        Utils.closeQuietly(metrics instanceof AutoCloseable c ? c : null, "plugin metrics");
    }
}
