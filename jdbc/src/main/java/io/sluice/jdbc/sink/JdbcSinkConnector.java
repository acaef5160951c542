package io.sluice.jdbc.sink;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sink writing records to tables of any JDBC database (dialects for H2 and PostgreSQL, standard SQL otherwise),
 * configured as Confluent's JDBC sink connector is, with an exactly-once mode ({@code exactly.once=true}).
 * Every task gets the connector's config; the worker spreads the topics' partitions over them.
 */
public final class JdbcSinkConnector extends SinkConnector {
    static final String VERSION = "0.1.0";

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new JdbcSinkConfig(props); // fail the connector, not each task, on a bad config
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return JdbcSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(new HashMap<>(props));
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return JdbcSinkConfig.CONFIG_DEF;
    }

    /** ConfigDef's per-key checks, then the checks between keys (as errors on the key at fault). */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        boolean keysValid = config.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (keysValid) {
            try {
                new JdbcSinkConfig(connectorConfigs);
            } catch (ConfigException e) {
                for (ConfigValue value : config.configValues()) {
                    if (e.getMessage() != null && e.getMessage().contains(value.name())) {
                        value.addErrorMessage(e.getMessage());
                        break;
                    }
                }
            }
        }
        return config;
    }

    @Override
    public String version() {
        return VERSION;
    }
}
