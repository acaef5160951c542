package io.sluice.connect.metrics;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.Metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Puts each task's {@link TaskMetrics} in the worker's kafka-clients {@link Metrics} under Kafka Connect's group
 * and metric names ({@code source-task-metrics}, {@code sink-task-metrics}, {@code task-error-metrics}; tags
 * {@code connector}, {@code task}), so JMX and metrics reporters see what Kafka Connect users look for.
 */
public final class TaskMetricsRegistry {
    private final Metrics metrics;
    private final Map<TaskMetrics, List<MetricName>> registered = new ConcurrentHashMap<>();

    public TaskMetricsRegistry(Metrics metrics) {
        this.metrics = metrics;
    }

    public void register(TaskMetrics task, boolean source) {
        if (registered.containsKey(task)) {
            return;
        }
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("connector", task.id.connector());
        tags.put("task", String.valueOf(task.id.task()));
        List<MetricName> names = new ArrayList<>();
        if (source) {
            add(names, "source-record-poll-total", "source-task-metrics", tags, task.sourceRecordsPolled::sum);
            add(names, "source-record-write-total", "source-task-metrics", tags, task.sourceRecordsWritten::sum);
        } else {
            add(names, "sink-record-read-total", "sink-task-metrics", tags, task.sinkRecordsRead::sum);
            add(names, "sink-record-send-total", "sink-task-metrics", tags, task.sinkRecordsPut::sum);
            add(names, "sink-record-lag-max", "sink-task-metrics", tags, task::totalLag);
        }
        String errors = "task-error-metrics";
        add(names, "total-record-failures", errors, tags, task.recordFailures::sum);
        add(names, "total-record-errors", errors, tags, task.recordErrors::sum);
        add(names, "total-records-skipped", errors, tags, task.recordsSkipped::sum);
        add(names, "total-retries", errors, tags, task.retries::sum);
        add(names, "total-errors-logged", errors, tags, task.errorsLogged::sum);
        add(names, "deadletterqueue-produce-requests", errors, tags, task.dlqProduceRequests::sum);
        add(names, "deadletterqueue-produce-failures", errors, tags, task.dlqProduceFailures::sum);
        add(names, "last-error-timestamp", errors, tags, task::lastErrorMs);
        registered.put(task, names);
    }

    private void add(List<MetricName> names, String name, String group, Map<String, String> tags, LongSupplier value) {
        MetricName metricName = metrics.metricName(name, group, tags);
        if (metrics.metric(metricName) == null) {
            metrics.addMetric(metricName, (Measurable) (config, now) -> value.getAsLong());
            names.add(metricName);
        }
    }

    public void unregister(TaskMetrics task) {
        List<MetricName> names = registered.remove(task);
        if (names != null) {
            names.forEach(metrics::removeMetric);
        }
    }
}
