package io.sluice.mirror.checkpoint;

import io.sluice.mirror.InternalTopics;
import io.sluice.mirror.Periodic;
import io.sluice.mirror.config.MirrorConnectorConfig;
import io.sluice.mirror.config.TopicFilter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Translates consumer groups' committed offsets from the source to the target (MM2's checkpoint connector): finds
 * the source's consumer groups ({@code groups} / {@code groups.exclude}), refreshes them every
 * {@code refresh.groups.interval.seconds} and deals them to {@link MirrorCheckpointTask}s.
 */
public final class MirrorCheckpointConnector extends SourceConnector {
    private static final Logger log = LoggerFactory.getLogger(MirrorCheckpointConnector.class);

    private Map<String, String> props;
    private MirrorConnectorConfig config;
    private Admin sourceAdmin;
    private Periodic periodic;
    private volatile List<String> groups = List.of();

    @Override
    public void start(Map<String, String> props) {
        this.props = Map.copyOf(props);
        config = new MirrorConnectorConfig(props);
        sourceAdmin = Admin.create(config.sourceAdmin());
        try (Admin target = Admin.create(config.targetAdmin())) {
            InternalTopics.ensure(target, config.replicationPolicy().checkpointsTopic(config.sourceAlias()),
                    config.getShort(MirrorConnectorConfig.CHECKPOINTS_REPLICATION_FACTOR));
        }
        periodic = new Periodic("mirror-groups-" + config.sourceAlias() + "->" + config.targetAlias());
        try {
            groups = findGroups();
        } catch (Exception e) {
            log.warn("Cannot list the consumer groups of {} yet: {}", config.sourceAlias(), e.toString());
        }
        if (config.getBoolean(MirrorConnectorConfig.REFRESH_GROUPS_ENABLED)) {
            periodic.every(config.seconds(MirrorConnectorConfig.REFRESH_GROUPS_INTERVAL), "Refreshing groups", () -> {
                List<String> now = findGroups();
                if (!now.equals(groups)) {
                    groups = now;
                    context.requestTaskReconfiguration();
                }
            });
        }
    }

    private List<String> findGroups() throws Exception {
        TopicFilter filter = config.groupFilter();
        List<String> found = new ArrayList<>();
        for (GroupListing group : sourceAdmin.listGroups().all().get(30, TimeUnit.SECONDS)) {
            String protocol = group.protocol();
            if ((protocol == null || protocol.isEmpty() || protocol.equals("consumer")) && filter.matches(group.groupId())) {
                found.add(group.groupId());
            }
        }
        found.sort(null);
        return found;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return MirrorCheckpointTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<String> all = groups;
        boolean enabled = config.getBoolean(MirrorConnectorConfig.EMIT_CHECKPOINTS_ENABLED)
                || config.getBoolean(MirrorConnectorConfig.SYNC_GROUP_OFFSETS_ENABLED);
        if (all.isEmpty() || !enabled) {
            return List.of();
        }
        int tasks = Math.min(maxTasks, all.size());
        List<List<String>> assigned = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            assigned.add(new ArrayList<>());
        }
        for (int i = 0; i < all.size(); i++) {
            assigned.get(i % tasks).add(all.get(i));
        }
        List<Map<String, String>> configs = new ArrayList<>();
        for (List<String> list : assigned) {
            Map<String, String> task = new HashMap<>(props);
            task.put(MirrorConnectorConfig.TASK_CONSUMER_GROUPS, String.join(",", list));
            configs.add(task);
        }
        return configs;
    }

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
    }

    @Override
    public ConfigDef config() {
        return MirrorConnectorConfig.CONFIG;
    }

    @Override
    public String version() {
        return AppInfoParser.getVersion();
    }
}
