package io.sluice.mirror;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.connect.errors.ConnectException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** MM2's internal topics (offset syncs, checkpoints, heartbeats): one partition, compacted, created if missing. */
public final class InternalTopics {
    private InternalTopics() {
    }

    public static void ensure(Admin admin, String topic, short replicationFactor) {
        NewTopic newTopic = new NewTopic(topic, Optional.of(1),
                replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor))
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try {
            admin.createTopics(List.of(newTopic)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new ConnectException("Cannot create internal topic " + topic + ": " + e.getCause(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new ConnectException("Timed out creating internal topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted creating internal topic " + topic, e);
        }
    }
}
