package io.sluice.jdbc.source;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.util.List;
import java.util.Map;

/** A task's config: the connector's, plus the tables this task reads ({@link TableId#encode} form). */
final class JdbcSourceTaskConfig extends JdbcSourceConfig {
    static final String TABLES = "tables";

    private static final ConfigDef TASK_DEF = new ConfigDef(CONFIG_DEF)
            .define(TABLES, Type.LIST, "", Importance.HIGH, "Tables this task reads.");

    JdbcSourceTaskConfig(Map<String, String> props) {
        super(TASK_DEF, props);
    }

    List<TableId> tables() {
        return getList(TABLES).stream().filter(s -> !s.isBlank()).map(TableId::decode).toList();
    }
}
