package io.sluice.mirror.source;

import io.sluice.mirror.config.MirrorConnectorConfig;
import io.sluice.mirror.config.TopicFilter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.connect.mirror.ReplicationPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What a flow mirrors and the remote topics it needs: lists the source's topics, picks those to mirror (the
 * {@code topics} filter, heartbeats always, never internal topics or topics that came from the target — the
 * cycle check of MM2), creates their remote topics on the target with the same partition count and configs,
 * adds partitions when the source grew, and copies topic config changes.
 */
final class TopicSync {
    private static final Logger log = LoggerFactory.getLogger(TopicSync.class);
    private static final long TIMEOUT_MS = 30_000;

    private final MirrorConnectorConfig config;
    private final ReplicationPolicy policy;
    private final TopicFilter filter;
    private final Admin source;
    private final Admin target;
    private final List<Pattern> configExcludes;

    TopicSync(MirrorConnectorConfig config, ReplicationPolicy policy, Admin source, Admin target) {
        this.config = config;
        this.policy = policy;
        this.filter = config.topicFilter();
        this.source = source;
        this.target = target;
        this.configExcludes = config.getList(MirrorConnectorConfig.CONFIG_PROPERTIES_EXCLUDE).stream()
                .filter(s -> !s.isBlank()).map(s -> Pattern.compile(s.trim())).toList();
    }

    boolean shouldMirror(String topic) {
        return (filter.matches(topic) || policy.isHeartbeatsTopic(topic))
                && !policy.isInternalTopic(topic) && !isCycle(topic);
    }

    /** A topic that (through any number of hops) came from the target: mirroring it back would loop. */
    private boolean isCycle(String topic) {
        String origin = policy.topicSource(topic);
        if (origin == null) {
            return false;
        }
        if (origin.equals(config.targetAlias())) {
            return true;
        }
        String upstream = policy.upstreamTopic(topic);
        return upstream != null && !upstream.equals(topic) && isCycle(upstream);
    }

    /** The source partitions to mirror now, sorted, after making sure each has its remote partition. */
    List<TopicPartition> refresh() throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> topics = source.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).stream()
                .filter(this::shouldMirror).collect(Collectors.toCollection(TreeSet::new));
        if (topics.isEmpty()) {
            return List.of();
        }
        Map<String, TopicDescription> described = source.describeTopics(topics).allTopicNames()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ensureRemoteTopics(described);
        List<TopicPartition> partitions = new ArrayList<>();
        described.values().forEach(d -> d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition()))));
        partitions.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition())
                : a.topic().compareTo(b.topic()));
        return partitions;
    }

    private void ensureRemoteTopics(Map<String, TopicDescription> sourceTopics)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<String, String> remoteNames = new HashMap<>();
        sourceTopics.keySet().forEach(t -> remoteNames.put(policy.formatRemoteTopic(config.sourceAlias(), t), t));
        Set<String> existing = target.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<String, Map<String, String>> configs = config.getBoolean(MirrorConnectorConfig.SYNC_TOPIC_CONFIGS_ENABLED)
                ? sourceConfigs(sourceTopics.keySet()) : Map.of();
        List<NewTopic> create = new ArrayList<>();
        List<String> present = new ArrayList<>();
        remoteNames.forEach((remote, upstream) -> {
            if (existing.contains(remote)) {
                present.add(remote);
            } else {
                int partitions = sourceTopics.get(upstream).partitions().size();
                int rf = config.getInt(MirrorConnectorConfig.REPLICATION_FACTOR);
                NewTopic topic = new NewTopic(remote, Optional.of(partitions),
                        rf < 0 ? Optional.empty() : Optional.of((short) rf));
                create.add(topic.configs(configs.getOrDefault(upstream, Map.of())));
            }
        });
        for (NewTopic topic : create) {
            try {
                target.createTopics(List.of(topic)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                log.info("Created remote topic {} with {} partitions", topic.name(), topic.numPartitions());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        if (!present.isEmpty()) {
            Map<String, TopicDescription> remote = target.describeTopics(present).allTopicNames()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<String, NewPartitions> grow = new HashMap<>();
            remote.forEach((name, description) -> {
                int wanted = sourceTopics.get(remoteNames.get(name)).partitions().size();
                if (description.partitions().size() < wanted) {
                    grow.put(name, NewPartitions.increaseTo(wanted));
                }
            });
            if (!grow.isEmpty()) {
                target.createPartitions(grow).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                log.info("Added partitions to remote topics {}", grow.keySet());
            }
        }
    }

    /** Copies the source topics' non-default configs (minus {@code config.properties.exclude}) to their remote topics. */
    void syncConfigs(Collection<String> topics) throws ExecutionException, InterruptedException, TimeoutException {
        if (topics.isEmpty() || !config.getBoolean(MirrorConnectorConfig.SYNC_TOPIC_CONFIGS_ENABLED)) {
            return;
        }
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
        sourceConfigs(topics).forEach((topic, values) -> {
            if (!values.isEmpty()) {
                ops.put(new ConfigResource(ConfigResource.Type.TOPIC, policy.formatRemoteTopic(config.sourceAlias(), topic)),
                        values.entrySet().stream().map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()),
                                AlterConfigOp.OpType.SET)).toList());
            }
        });
        if (!ops.isEmpty()) {
            target.incrementalAlterConfigs(ops).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
    }

    private Map<String, Map<String, String>> sourceConfigs(Collection<String> topics)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<ConfigResource> resources = topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> described = source.describeConfigs(resources).all()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<String, Map<String, String>> result = new HashMap<>();
        described.forEach((resource, topicConfig) -> {
            Map<String, String> values = new HashMap<>();
            for (ConfigEntry entry : topicConfig.entries()) {
                if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && entry.value() != null
                        && configExcludes.stream().noneMatch(p -> p.matcher(entry.name()).matches())) {
                    values.put(entry.name(), entry.value());
                }
            }
            result.put(resource.name(), values);
        });
        return result;
    }
}
