package io.sluice.connect.worker;

import io.sluice.connect.storage.KafkaOffsetStore;
import io.sluice.connect.storage.OffsetStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What exactly-once source tasks share: Kafka Connect's transactional ids ({@code <group.id>-<connector>-<task>};
 * a standalone worker, which has no group, uses {@code connect-standalone}), the settings that make a task's
 * producer transactional, and zombie fencing through {@code Admin.fenceProducers}.
 */
public final class ExactlyOnceSources {
    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceSources.class);
    private static final long FENCE_TIMEOUT_MS = 30_000;

    private ExactlyOnceSources() {
    }

    public static String transactionalId(String prefix, String connector, int task) {
        return prefix + "-" + connector + "-" + task;
    }

    /** Overrides for a task's producer; applied last, as Kafka Connect does, since they make the guarantee. */
    static Map<String, Object> producerSettings(WorkerConfig config, ConnectorTaskId id) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                transactionalId(config.transactionalIdPrefix(), id.connector(), id.task()));
        return settings;
    }

    /** The topic a task's transactions write offsets to; only a topic-backed store can join a transaction. */
    static String offsetsTopic(OffsetStore store) {
        if (store instanceof KafkaOffsetStore kafka) {
            return kafka.topic();
        }
        throw new ConnectException("Exactly-once source tasks need their offsets in a topic (offset.storage.topic), "
                + "not in " + store.getClass().getSimpleName());
    }

    /** Fences the transactional ids of tasks {@code fromTask}..{@code toTask - 1} of {@code connector}. */
    static void fence(WorkerConfig config, String connector, int fromTask, int toTask) {
        List<String> ids = new ArrayList<>();
        for (int task = fromTask; task < toTask; task++) {
            ids.add(transactionalId(config.transactionalIdPrefix(), connector, task));
        }
        try (Admin admin = Admin.create(config.adminSettings())) {
            admin.fenceProducers(ids).all().get(FENCE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            log.info("Fenced transactional producers {}", ids);
        } catch (ExecutionException | TimeoutException e) {
            throw new ConnectException("Failed to fence the producers of tasks " + fromTask + ".." + (toTask - 1)
                    + " of connector " + connector + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while fencing the producers of connector " + connector, e);
        }
    }
}
