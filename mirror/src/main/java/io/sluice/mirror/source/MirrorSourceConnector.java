package io.sluice.mirror.source;

import io.sluice.mirror.InternalTopics;
import io.sluice.mirror.Periodic;
import io.sluice.mirror.config.MirrorConnectorConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.mirror.ReplicationPolicy;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Mirrors records of the source cluster's topics into remote topics on the target (the worker's cluster), with
 * MM2's connector config. Finds the partitions to mirror, keeps their remote topics in shape ({@link TopicSync})
 * and deals them round-robin to up to {@code tasks.max} {@link MirrorSourceTask}s; every
 * {@code refresh.topics.interval.seconds} it looks again and reassigns when partitions appeared.
 */
public final class MirrorSourceConnector extends SourceConnector {
    private static final Logger log = LoggerFactory.getLogger(MirrorSourceConnector.class);

    private Map<String, String> props;
    private MirrorConnectorConfig config;
    private Admin sourceAdmin;
    private Admin targetAdmin;
    private TopicSync topics;
    private Periodic periodic;
    private volatile List<TopicPartition> partitions = List.of();

    @Override
    public void start(Map<String, String> props) {
        this.props = Map.copyOf(props);
        config = new MirrorConnectorConfig(props);
        ReplicationPolicy policy = config.replicationPolicy();
        sourceAdmin = Admin.create(config.sourceAdmin());
        targetAdmin = Admin.create(config.targetAdmin());
        topics = new TopicSync(config, policy, sourceAdmin, targetAdmin);
        InternalTopics.ensure(targetAdmin, config.offsetSyncsTopic(policy),
                config.getShort(MirrorConnectorConfig.OFFSET_SYNCS_REPLICATION_FACTOR));
        if (config.getBoolean(MirrorConnectorConfig.SYNC_TOPIC_ACLS_ENABLED)) {
            log.info("{}=true has no effect: Sluice has no ACLs to copy yet", MirrorConnectorConfig.SYNC_TOPIC_ACLS_ENABLED);
        }
        periodic = new Periodic("mirror-source-" + config.sourceAlias() + "->" + config.targetAlias());
        try {
            partitions = topics.refresh();
        } catch (Exception e) {
            log.warn("Cannot list the topics of {} yet; trying again every refresh: {}", config.sourceAlias(), e.toString());
        }
        if (config.getBoolean(MirrorConnectorConfig.REFRESH_TOPICS_ENABLED)) {
            periodic.every(config.seconds(MirrorConnectorConfig.REFRESH_TOPICS_INTERVAL), "Refreshing topics", this::refresh);
        }
        periodic.every(config.seconds(MirrorConnectorConfig.SYNC_TOPIC_CONFIGS_INTERVAL), "Syncing topic configs",
                () -> topics.syncConfigs(partitions.stream().map(TopicPartition::topic).collect(Collectors.toSet())));
        log.info("Mirroring {} partitions {} -> {}", partitions.size(), config.sourceAlias(), config.targetAlias());
    }

    private void refresh() throws Exception {
        List<TopicPartition> now = topics.refresh();
        if (!now.equals(partitions)) {
            log.info("Partitions to mirror {} -> {} changed: {} -> {}", config.sourceAlias(), config.targetAlias(),
                    partitions.size(), now.size());
            partitions = now;
            context.requestTaskReconfiguration();
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return MirrorSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<TopicPartition> all = partitions;
        if (all.isEmpty()) {
            return List.of();
        }
        int tasks = Math.min(maxTasks, all.size());
        List<List<String>> assigned = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            assigned.add(new ArrayList<>());
        }
        for (int i = 0; i < all.size(); i++) {
            assigned.get(i % tasks).add(all.get(i).toString());
        }
        List<Map<String, String>> configs = new ArrayList<>();
        for (List<String> list : assigned) {
            Map<String, String> task = new HashMap<>(props);
            task.put(MirrorConnectorConfig.TASK_TOPIC_PARTITIONS, String.join(",", list));
            configs.add(task);
        }
        return configs;
    }

    /** Records and source positions can commit in one transaction: every record carries its own position. */
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> props) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    @Override
    public void stop() {
        if (periodic != null) {
            periodic.close();
        }
        if (sourceAdmin != null) {
            sourceAdmin.close();
        }
        if (targetAdmin != null) {
            targetAdmin.close();
        }
    }

    @Override
    public ConfigDef config() {
        return MirrorConnectorConfig.CONFIG;
    }

    @Override
    public String version() {
        return AppInfoParser.getVersion();
    }

    static List<TopicPartition> parse(String assigned) {
        List<TopicPartition> result = new ArrayList<>();
        for (String item : new LinkedHashSet<>(List.of(assigned.split(",")))) {
            String s = item.trim();
            if (s.isEmpty()) {
                continue;
            }
            int dash = s.lastIndexOf('-');
            result.add(new TopicPartition(s.substring(0, dash), Integer.parseInt(s.substring(dash + 1))));
        }
        return result;
    }
}
