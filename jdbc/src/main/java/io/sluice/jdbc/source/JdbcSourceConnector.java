package io.sluice.jdbc.source;

import io.sluice.jdbc.ConnectionPools;
import io.sluice.jdbc.JdbcConnectionConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.util.ConnectorUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JDBC source connector with Confluent's config names ({@code io.confluent.connect.jdbc.JdbcSourceConnector}'s
 * configs work unchanged). Tables are split among {@code tasks.max} tasks; a {@link TableMonitor} looks for new
 * and dropped tables every {@code table.poll.interval.ms} and asks for new task configs when the set changes.
 *
 * <p>Exactly-once: every record's offset is exact (see {@link TableQuerier}), so with the runtime's
 * {@code exactly.once.source.support=enabled} each poll's rows and offsets commit in one Kafka transaction.
 */
public class JdbcSourceConnector extends SourceConnector {
    private static final Logger log = LoggerFactory.getLogger(JdbcSourceConnector.class);
    static final String VERSION = versionOf(JdbcSourceConnector.class);

    private Map<String, String> props;
    private JdbcSourceConfig config;
    private TableMonitor monitor;

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = Map.copyOf(props);
        this.config = new JdbcSourceConfig(props);
        Map<String, List<String>> errors = SourceConfigRules.check(config);
        if (!errors.isEmpty()) {
            throw new ConfigException("Invalid JDBC source configuration: " + errors);
        }
        if (config.query() == null) {
            monitor = new TableMonitor(config, context::requestTaskReconfiguration);
            monitor.start();
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return JdbcSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        if (config.query() != null) {
            return List.of(props);
        }
        List<TableId> tables = monitor.tables();
        if (tables.isEmpty()) {
            log.warn("No tables match the JDBC source's table settings yet; no tasks until one appears");
            return List.of();
        }
        List<Map<String, String>> configs = new ArrayList<>();
        for (List<TableId> group : ConnectorUtils.groupPartitions(tables, Math.min(maxTasks, tables.size()))) {
            Map<String, String> taskProps = new HashMap<>(props);
            taskProps.put(JdbcSourceTaskConfig.TABLES,
                    String.join(",", group.stream().map(TableId::encode).toList()));
            configs.add(taskProps);
        }
        return configs;
    }

    @Override
    public void stop() {
        if (monitor != null) {
            monitor.close();
            monitor = null;
        }
    }

    @Override
    public ConfigDef config() {
        return JdbcSourceConfig.CONFIG_DEF;
    }

    /**
     * Adds what one setting alone cannot say (a mode's required columns, exclusive settings) and whether the
     * database can be reached, each error on the setting it concerns.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = new HashMap<>();
        result.configValues().forEach(v -> values.put(v.name(), v));
        boolean valid = values.values().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (!valid) {
            return result;
        }
        JdbcSourceConfig parsed = new JdbcSourceConfig(connectorConfigs);
        SourceConfigRules.check(parsed).forEach((key, messages) -> messages.forEach(values.get(key)::addErrorMessage));
        String connectionError = tryConnect(JdbcConnectionConfig.from(parsed));
        if (connectionError != null) {
            values.get(JdbcConnectionConfig.CONNECTION_URL).addErrorMessage(connectionError);
        }
        return result;
    }

    /** Through the driver the tasks' pools would use, so a driver found only on plugin.path is found here too. */
    private static String tryConnect(JdbcConnectionConfig connection) {
        try (Connection ignored = ConnectionPools.connectOnce(connection)) {
            return null;
        } catch (SQLException | ConnectException e) {
            return "Cannot connect to the database: " + e.getMessage();
        }
    }

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    private static String versionOf(Class<?> type) {
        String version = type.getPackage().getImplementationVersion();
        return version != null ? version : "0.1.0-SNAPSHOT";
    }
}
