package io.sluice.mirror;

import io.sluice.mirror.config.MirrorConnectorConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What MM2's source, checkpoint and heartbeat connectors share: one config definition, Kafka's version, exactly-once
 * support (each record carries its own source position), and dealing work items round-robin to tasks.
 */
public abstract class MirrorConnector extends SourceConnector {
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> props) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    @Override
    public ConfigDef config() {
        return MirrorConnectorConfig.CONFIG;
    }

    @Override
    public String version() {
        return AppInfoParser.getVersion();
    }

    /**
     * At most {@code maxTasks} task configs, each {@code props} plus {@code key} = its share of {@code items}
     * (comma-separated, dealt round-robin in order); none when there are no items.
     */
    protected static List<Map<String, String>> dealRoundRobin(Map<String, String> props, String key,
                                                              List<String> items, int maxTasks) {
        if (items.isEmpty()) {
            return List.of();
        }
        int tasks = Math.min(maxTasks, items.size());
        List<List<String>> assigned = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            assigned.add(new ArrayList<>());
        }
        for (int i = 0; i < items.size(); i++) {
            assigned.get(i % tasks).add(items.get(i));
        }
        List<Map<String, String>> configs = new ArrayList<>();
        for (List<String> share : assigned) {
            Map<String, String> task = new HashMap<>(props);
            task.put(key, String.join(",", share));
            configs.add(task);
        }
        return configs;
    }
}
