package io.sluice.connect.metrics;

import io.sluice.connect.worker.ConnectorTaskId;
import org.apache.kafka.common.TopicPartition;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one task has done since it was first started on this worker (restarts keep counting): records moved,
 * errors, dead-letter-queue writes, when it last polled and, for a sink, how far its committed offsets trail the
 * end of each partition. Written by the task's thread, read by REST and the metrics registry.
 */
public final class TaskMetrics {
    public final ConnectorTaskId id;
    public final LongAdder sourceRecordsPolled = new LongAdder();
    public final LongAdder sourceRecordsWritten = new LongAdder();
    public final LongAdder sinkRecordsRead = new LongAdder();
    public final LongAdder sinkRecordsPut = new LongAdder();
    public final LongAdder recordFailures = new LongAdder();
    public final LongAdder recordErrors = new LongAdder();
    public final LongAdder recordsSkipped = new LongAdder();
    public final LongAdder retries = new LongAdder();
    public final LongAdder errorsLogged = new LongAdder();
    public final LongAdder dlqProduceRequests = new LongAdder();
    public final LongAdder dlqProduceFailures = new LongAdder();
    public final LongAdder restarts = new LongAdder();
    private volatile long lastPollMs = -1;
    private volatile long lastErrorMs = -1;
    private final Map<TopicPartition, Long> sinkLag = new ConcurrentHashMap<>();
    /** Topics the task produced to or consumed from (Kafka Connect's active topics, KIP-558). */
    private final java.util.Set<String> topics = ConcurrentHashMap.newKeySet();

    public TaskMetrics(ConnectorTaskId id) {
        this.id = id;
    }

    public void polled(long nowMs) {
        lastPollMs = nowMs;
    }

    public long lastPollMs() {
        return lastPollMs;
    }

    public void errorAt(long nowMs) {
        lastErrorMs = nowMs;
    }

    public long lastErrorMs() {
        return lastErrorMs;
    }

    /** A sink's lag on one partition: end offset − committed offset. */
    public void lag(TopicPartition tp, long lag) {
        sinkLag.put(tp, Math.max(0, lag));
    }

    public void forgetLag(TopicPartition tp) {
        sinkLag.remove(tp);
    }

    public long totalLag() {
        return sinkLag.values().stream().mapToLong(Long::longValue).sum();
    }

    public void usedTopic(String topic) {
        topics.add(topic);
    }

    public java.util.Set<String> topics() {
        return java.util.Set.copyOf(topics);
    }

    public void resetTopics() {
        topics.clear();
    }

    /** The JSON {@code GET /connectors/{c}/metrics} shows for this task. */
    public Map<String, Object> snapshot() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id.task());
        out.put("source-record-poll-total", sourceRecordsPolled.sum());
        out.put("source-record-write-total", sourceRecordsWritten.sum());
        out.put("sink-record-read-total", sinkRecordsRead.sum());
        out.put("sink-record-send-total", sinkRecordsPut.sum());
        out.put("total-record-failures", recordFailures.sum());
        out.put("total-record-errors", recordErrors.sum());
        out.put("total-records-skipped", recordsSkipped.sum());
        out.put("total-retries", retries.sum());
        out.put("total-errors-logged", errorsLogged.sum());
        out.put("deadletterqueue-produce-requests", dlqProduceRequests.sum());
        out.put("deadletterqueue-produce-failures", dlqProduceFailures.sum());
        out.put("last-error-timestamp", lastErrorMs);
        out.put("last-poll-timestamp", lastPollMs);
        out.put("auto-restarts", restarts.sum());
        Map<String, Long> lag = new TreeMap<>();
        sinkLag.forEach((tp, value) -> lag.put(tp.toString(), value));
        out.put("sink-lag", totalLag());
        out.put("sink-lag-by-partition", lag);
        return out;
    }
}
