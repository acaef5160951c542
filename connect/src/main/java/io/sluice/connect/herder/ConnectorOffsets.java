package io.sluice.connect.herder;

import io.sluice.connect.plugins.PluginType;
import io.sluice.connect.storage.SourceOffsets;
import io.sluice.connect.worker.ConnectorConfig;
import io.sluice.connect.worker.Worker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * KIP-875's offsets of one connector, for any herder: a source connector's are its records in the offset store
 * ({@code ["<connector>",{partition}]} → offset), a sink connector's are its consumer group's committed offsets,
 * shown as {@code {"kafka_topic","kafka_partition"}} → {@code {"kafka_offset"}}. Altering and resetting are only
 * for a STOPPED connector (the herder checks with {@link #requireStopped}); the connector's own
 * {@code alterOffsets} hook is asked first, as Kafka Connect does, and picks the answer's message.
 */
public final class ConnectorOffsets {
    public static final String KAFKA_TOPIC = "kafka_topic";
    public static final String KAFKA_PARTITION = "kafka_partition";
    public static final String KAFKA_OFFSET = "kafka_offset";
    private static final long ADMIN_TIMEOUT_MS = 30_000;

    /** One partition and its offset (null: no offset / remove it). */
    public record Offset(Map<String, Object> partition, Map<String, Object> offset) {
    }

    /** The body of {@code GET /connectors/{c}/offsets} and of a {@code PATCH}. */
    public record Offsets(List<Offset> offsets) {
    }

    /** The body Kafka Connect answers a {@code PATCH} / {@code DELETE} with. */
    public record Message(String message) {
    }

    private final Worker worker;

    public ConnectorOffsets(Worker worker) {
        this.worker = worker;
    }

    /** Throws Kafka Connect's 400 unless the connector is STOPPED (no tasks, nothing that could write offsets). */
    public static void requireStopped(String name, boolean stopped) {
        if (!stopped) {
            throw HerderException.badRequest("Connectors must be in the STOPPED state before their offsets can be "
                    + "modified. This can be done for the specified connector by issuing a 'PUT' request to the "
                    + "'/connectors/" + name + "/stop' endpoint");
        }
    }

    public Offsets get(String name, Map<String, String> config) {
        List<Offset> result = new ArrayList<>();
        if (isSink(config)) {
            sinkOffsets(config, name).forEach((tp, offset) -> result.add(new Offset(sinkPartition(tp),
                    offset == null ? null : new LinkedHashMap<>(Map.of(KAFKA_OFFSET, offset.offset())))));
        } else {
            worker.sourceOffsets(name, config).all().forEach((partition, offset) ->
                    result.add(new Offset(partition, offset)));
        }
        return new Offsets(result);
    }

    public Message alter(String name, Map<String, String> config, Offsets request) {
        if (request == null || request.offsets() == null || request.offsets().isEmpty()) {
            throw HerderException.badRequest("Partitions / offsets need to be provided for an alter offsets request");
        }
        Map<Map<String, ?>, Map<String, ?>> offsets = new HashMap<>();
        for (Offset entry : request.offsets()) {
            if (entry.partition() == null) {
                throw HerderException.badRequest("Partitions / offsets need to be provided for an alter offsets request");
            }
            offsets.put(entry.partition(), entry.offset());
        }
        boolean managed = isSink(config) ? alterSink(name, config, offsets) : alterSource(name, config, offsets);
        return message(managed, "altered");
    }

    public Message reset(String name, Map<String, String> config) {
        boolean managed;
        if (isSink(config)) {
            managed = askConnector(config, Map.of(), true);
            try (Admin admin = admin()) {
                admin.deleteConsumerGroups(List.of(groupId(name, config))).all()
                        .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw failure("reset", name, e);
                }
            } catch (TimeoutException | InterruptedException e) {
                throw failure("reset", name, e);
            }
        } else {
            SourceOffsets source = worker.sourceOffsets(name, config);
            Map<Map<String, ?>, Map<String, ?>> tombstones = new HashMap<>();
            source.all().keySet().forEach(partition -> tombstones.put(partition, null));
            managed = askConnector(config, tombstones, false);
            fenceTasks(name, config);
            source.write(tombstones);
        }
        return message(managed, "reset");
    }

    private boolean alterSource(String name, Map<String, String> config, Map<Map<String, ?>, Map<String, ?>> offsets) {
        SourceOffsets source = worker.sourceOffsets(name, config);
        Map<Map<String, ?>, Map<String, ?>> normalized = source.normalize(offsets);
        boolean managed = askConnector(config, normalized, false);
        fenceTasks(name, config);
        source.write(normalized);
        return managed;
    }

    /** Exactly-once: no zombie of this connector may commit offsets after these are written. */
    private void fenceTasks(String name, Map<String, String> config) {
        int tasks = Integer.parseInt(config.getOrDefault(ConnectorConfig.TASKS_MAX, "1").trim());
        worker.fenceZombies(name, 0, tasks);
    }

    private boolean alterSink(String name, Map<String, String> config, Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        Set<TopicPartition> deletes = new HashSet<>();
        offsets.forEach((partition, offset) -> {
            TopicPartition tp = topicPartition(partition);
            if (offset == null) {
                deletes.add(tp);
            } else {
                commits.put(tp, new OffsetAndMetadata(kafkaOffset(offset)));
            }
        });
        boolean managed = askConnector(config, offsets, true);
        String group = groupId(name, config);
        try (Admin admin = admin()) {
            if (!commits.isEmpty()) {
                admin.alterConsumerGroupOffsets(group, commits).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
            if (!deletes.isEmpty()) {
                admin.deleteConsumerGroupOffsets(group, deletes).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupNotEmptyException) {
                throw HerderException.badRequest("Failed to alter consumer group offsets for connector " + name
                        + " either because its tasks haven't stopped completely yet or the connector was resumed "
                        + "before the request to alter its offsets could be successfully completed. If the connector "
                        + "is in a stopped state, this operation can be safely retried. If it doesn't eventually "
                        + "succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks.");
            }
            if (!(e.getCause() instanceof GroupIdNotFoundException) || !commits.isEmpty()) {
                throw failure("alter", name, e);
            }
        } catch (TimeoutException | InterruptedException e) {
            throw failure("alter", name, e);
        }
        return managed;
    }

    private Map<TopicPartition, OffsetAndMetadata> sinkOffsets(Map<String, String> config, String name) {
        try (Admin admin = admin()) {
            return admin.listConsumerGroupOffsets(groupId(name, config)).partitionsToOffsetAndMetadata()
                    .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return Map.of();
            }
            throw new ConnectException("Failed to retrieve consumer group offsets for sink connector " + name, e);
        } catch (TimeoutException | InterruptedException e) {
            throw new ConnectException("Failed to retrieve consumer group offsets for sink connector " + name, e);
        }
    }

    /** The connector's {@code alterOffsets} hook: true when it manages no offsets outside of Kafka Connect's. */
    private boolean askConnector(Map<String, String> config, Map<Map<String, ?>, Map<String, ?>> offsets, boolean sink) {
        Connector connector = worker.plugins().newConnector(config.get(ConnectorConfig.CONNECTOR_CLASS));
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(connector.getClass().getClassLoader());
        try {
            if (sink && connector instanceof SinkConnector s) {
                Map<TopicPartition, Long> byPartition = new HashMap<>();
                offsets.forEach((p, o) -> byPartition.put(topicPartition(p), o == null ? null : kafkaOffset(o)));
                return s.alterOffsets(config, byPartition);
            }
            if (!sink && connector instanceof SourceConnector s) {
                return s.alterOffsets(config, offsets);
            }
            return false;
        } catch (HerderException | UnsupportedOperationException e) {
            throw e instanceof HerderException h ? h : HerderException.badRequest(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ConnectException("Failed to alter offsets for connector " + config.get(ConnectorConfig.NAME)
                    + " because it threw an unexpected exception: " + e, e);
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    private static Message message(boolean managed, String verb) {
        return new Message(managed ? "The offsets for this connector have been " + verb + " successfully"
                : "The Connect framework-managed offsets for this connector have been " + verb + " successfully. "
                + "However, if this connector manages offsets externally, they will need to be manually " + verb
                + " in the system that the connector uses.");
    }

    private static TopicPartition topicPartition(Map<String, ?> partition) {
        Object topic = partition.get(KAFKA_TOPIC);
        Object number = partition.get(KAFKA_PARTITION);
        if (!(topic instanceof String t) || t.isBlank()) {
            throw HerderException.badRequest("Kafka topic names must be valid strings: partition " + partition
                    + " has no string '" + KAFKA_TOPIC + "'");
        }
        if (!(number instanceof Number n) || n.intValue() < 0 || n.doubleValue() != n.intValue()) {
            throw HerderException.badRequest("Kafka partitions must be valid numbers: partition " + partition
                    + " has no non-negative integer '" + KAFKA_PARTITION + "'");
        }
        return new TopicPartition(t, n.intValue());
    }

    private static long kafkaOffset(Map<String, ?> offset) {
        Object value = offset.get(KAFKA_OFFSET);
        if (!(value instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
            throw HerderException.badRequest("Kafka offsets must be valid non-negative numbers: offset " + offset
                    + " has no '" + KAFKA_OFFSET + "'");
        }
        return n.longValue();
    }

    private static Map<String, Object> sinkPartition(TopicPartition tp) {
        Map<String, Object> partition = new LinkedHashMap<>();
        partition.put(KAFKA_TOPIC, tp.topic());
        partition.put(KAFKA_PARTITION, tp.partition());
        return partition;
    }

    /** The sink connector's consumer group: {@code connect-<name>} unless its consumer overrides it. */
    private static String groupId(String name, Map<String, String> config) {
        String override = config.get(Worker.CONNECTOR_CLIENT_CONSUMER_OVERRIDES_PREFIX + ConsumerConfig.GROUP_ID_CONFIG);
        return override != null && !override.isBlank() ? override : "connect-" + name;
    }

    private boolean isSink(Map<String, String> config) {
        return worker.plugins().connector(config.get(ConnectorConfig.CONNECTOR_CLASS)).type() == PluginType.SINK;
    }

    private Admin admin() {
        return Admin.create(worker.config().adminSettings());
    }

    private static ConnectException failure(String verb, String name, Exception e) {
        return new ConnectException("Failed to " + verb + " the offsets of connector " + name + ": "
                + (e instanceof ExecutionException ? e.getCause() : e), e);
    }
}
