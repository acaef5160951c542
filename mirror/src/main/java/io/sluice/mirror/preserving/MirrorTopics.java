package io.sluice.mirror.preserving;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates and promotes offset-preserving mirror topics through the Admin API of both clusters. A mirror
 * topic is an ordinary CreateTopics on the target with the source's partition count, the source topic's
 * own config overrides and the two {@code sluice.mirror.source.*} configs; Sluice brokers then follow the
 * source. A target that is not Sluice rejects those configs as unknown, which is reported as
 * {@link NotASluiceTargetException}.
 */
public final class MirrorTopics {
    /** The source cluster's bootstrap servers; a topic with it set is a mirror (Sluice broker topic config). */
    public static final String SOURCE_BOOTSTRAP_SERVERS = "sluice.mirror.source.bootstrap.servers";
    /** The source topic's name, when it differs from the mirror's. */
    public static final String SOURCE_TOPIC = "sluice.mirror.source.topic";
    private static final long TIMEOUT_S = 60;

    private MirrorTopics() {
    }

    /** The mirror topic as it stands on the target; {@code created} false when it existed already. */
    public record MirrorTopic(String topic, int partitions, String sourceBootstrapServers, String sourceTopic,
                              boolean created) {
    }

    /** The target cluster refused the mirror configs: it is not a Sluice cluster (or too old a one). */
    public static final class NotASluiceTargetException extends RuntimeException {
        NotASluiceTargetException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Creates {@code targetTopic} on the target as a mirror of {@code sourceTopic}: same partition count,
     * the source topic's config overrides, and the mirror configs. An existing mirror of the same source
     * topic is left as it is (so that a mirror process may call this on every start).
     *
     * @param sourceBootstrapServers how the target's brokers reach the source cluster
     * @param replicationFactor      empty: the target's default
     * @throws NotASluiceTargetException when the target does not know the mirror configs
     * @throws IllegalStateException     when the target topic exists and is not such a mirror
     */
    public static MirrorTopic create(Admin source, String sourceBootstrapServers, String sourceTopic, Admin target,
                                     String targetTopic, Optional<Short> replicationFactor) {
        TopicDescription described = get(source.describeTopics(List.of(sourceTopic)).allTopicNames()).get(sourceTopic);
        int partitions = described.partitions().size();
        Map<String, String> configs = new HashMap<>(overrides(source, sourceTopic));
        // A mirror of a mirror follows the topic it reads, not that one's own source.
        configs.remove(SOURCE_BOOTSTRAP_SERVERS);
        configs.remove(SOURCE_TOPIC);
        configs.put(SOURCE_BOOTSTRAP_SERVERS, sourceBootstrapServers);
        if (!sourceTopic.equals(targetTopic)) {
            configs.put(SOURCE_TOPIC, sourceTopic);
        }
        NewTopic topic = new NewTopic(targetTopic, Optional.of(partitions), replicationFactor).configs(configs);
        try {
            target.createTopics(List.of(topic)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            return new MirrorTopic(targetTopic, partitions, sourceBootstrapServers, sourceTopic, true);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return existing(target, targetTopic, partitions, sourceBootstrapServers, sourceTopic);
            }
            if (e.getCause() instanceof InvalidConfigurationException invalid && mentionsMirrorConfig(invalid)) {
                throw notSluice(invalid);
            }
            throw new IllegalStateException("Cannot create mirror topic " + targetTopic + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating mirror topic " + targetTopic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out creating mirror topic " + targetTopic, e);
        }
    }

    /** Whether a config error is about the mirror configs (an unknown config to a non-Sluice target). */
    static boolean mentionsMirrorConfig(Throwable error) {
        return error.getMessage() != null && error.getMessage().contains("sluice.mirror.");
    }

    static NotASluiceTargetException notSluice(Throwable cause) {
        return new NotASluiceTargetException("Offset-preserving mirroring needs a Sluice target: the target cluster "
                + "refused the topic config " + SOURCE_BOOTSTRAP_SERVERS + " (" + cause.getMessage() + "). Mirror "
                + "without offset preservation, or to a Sluice cluster.", cause);
    }

    private static MirrorTopic existing(Admin target, String topic, int partitions, String bootstrap, String sourceTopic) {
        Map<String, String> configs = overrides(target, topic);
        String hasBootstrap = configs.getOrDefault(SOURCE_BOOTSTRAP_SERVERS, "");
        String hasTopic = configs.getOrDefault(SOURCE_TOPIC, "");
        String followed = hasTopic.isEmpty() ? topic : hasTopic;
        int hasPartitions = get(target.describeTopics(List.of(topic)).allTopicNames()).get(topic).partitions().size();
        if (hasBootstrap.isEmpty() || !followed.equals(sourceTopic) || hasPartitions != partitions) {
            throw new IllegalStateException("Topic " + topic + " exists on the target and is not a mirror of "
                    + sourceTopic + " with " + partitions + " partitions (it has " + hasPartitions + " partitions"
                    + (hasBootstrap.isEmpty() ? ", no mirror configs" : ", follows " + hasBootstrap + ":" + followed)
                    + "); delete it or choose another name");
        }
        return new MirrorTopic(topic, partitions, hasBootstrap, followed, false);
    }

    /**
     * Promotes a mirror topic: removes its mirror configs, so that its brokers stop following the source and
     * take producers from each partition's log end on.
     *
     * @return where it was mirrored from
     * @throws IllegalStateException when the topic is not a mirror topic
     */
    public static MirrorTopic promote(Admin target, String topic) {
        Map<String, String> configs = overrides(target, topic);
        String bootstrap = configs.getOrDefault(SOURCE_BOOTSTRAP_SERVERS, "");
        if (bootstrap.isEmpty()) {
            throw new IllegalStateException("Topic " + topic + " is not a mirror topic (no " + SOURCE_BOOTSTRAP_SERVERS
                    + "); nothing to promote");
        }
        String followed = configs.getOrDefault(SOURCE_TOPIC, "");
        List<AlterConfigOp> ops = List.of(
                new AlterConfigOp(new ConfigEntry(SOURCE_BOOTSTRAP_SERVERS, ""), AlterConfigOp.OpType.DELETE),
                new AlterConfigOp(new ConfigEntry(SOURCE_TOPIC, ""), AlterConfigOp.OpType.DELETE));
        get(target.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all());
        int partitions = get(target.describeTopics(List.of(topic)).allTopicNames()).get(topic).partitions().size();
        return new MirrorTopic(topic, partitions, bootstrap, followed.isEmpty() ? topic : followed, false);
    }

    /** The topic's own config overrides (not broker defaults). */
    static Map<String, String> overrides(Admin admin, String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = get(admin.describeConfigs(List.of(resource)).all()).get(resource);
        Map<String, String> out = new HashMap<>();
        for (ConfigEntry entry : config.entries()) {
            if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && entry.value() != null) {
                out.put(entry.name(), entry.value());
            }
        }
        return out;
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException unknown) {
                throw new IllegalStateException(unknown.getMessage(), unknown);
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out after " + TIMEOUT_S + " s", e);
        }
    }
}
