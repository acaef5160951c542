package io.sluice.mirror.heartbeat;

import io.sluice.mirror.InternalTopics;
import io.sluice.mirror.config.MirrorConnectorConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

import java.util.List;
import java.util.Map;

/**
 * MM2's heartbeat connector: one task writing a heartbeat {source alias, target alias, time} to the target's
 * {@code heartbeats} topic every {@code emit.heartbeats.interval.seconds}; mirrored onwards they show which
 * clusters a cluster hears from, and how many hops away ({@code RemoteClusterUtils.replicationHops}).
 */
public final class MirrorHeartbeatConnector extends SourceConnector {
    private Map<String, String> props;
    private MirrorConnectorConfig config;

    @Override
    public void start(Map<String, String> props) {
        this.props = Map.copyOf(props);
        config = new MirrorConnectorConfig(props);
        if (config.getBoolean(MirrorConnectorConfig.EMIT_HEARTBEATS_ENABLED)) {
            try (Admin target = Admin.create(config.targetAdmin())) {
                InternalTopics.ensure(target, config.replicationPolicy().heartbeatsTopic(),
                        config.getShort(MirrorConnectorConfig.HEARTBEATS_REPLICATION_FACTOR));
            }
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return MirrorHeartbeatTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return config.getBoolean(MirrorConnectorConfig.EMIT_HEARTBEATS_ENABLED) ? List.of(props) : List.of();
    }

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> props) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    @Override
    public void stop() {
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
