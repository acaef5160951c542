package io.sluice.jdbc.source;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The rules that span settings, as errors keyed by the setting to fix; used by validate() and start(). */
final class SourceConfigRules {
    private SourceConfigRules() {
    }

    static Map<String, List<String>> check(JdbcSourceConfig config) {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        Mode mode = config.mode();
        if (mode.usesIncrementing() && config.incrementingColumn() == null) {
            add(errors, JdbcSourceConfig.INCREMENTING_COLUMN_NAME,
                    "Mode " + mode.configValue() + " needs " + JdbcSourceConfig.INCREMENTING_COLUMN_NAME);
        }
        if (mode.usesTimestamp() && config.timestampColumns().isEmpty()) {
            add(errors, JdbcSourceConfig.TIMESTAMP_COLUMN_NAME,
                    "Mode " + mode.configValue() + " needs " + JdbcSourceConfig.TIMESTAMP_COLUMN_NAME);
        }
        boolean tablesNamed = !config.includedTables().isEmpty() || !config.excludedTables().isEmpty();
        if (config.query() != null && tablesNamed) {
            add(errors, JdbcSourceConfig.QUERY, "query cannot be combined with a table include or exclude list");
        }
        if (!config.includedTables().isEmpty() && !config.excludedTables().isEmpty()) {
            String message = "table.whitelist/table.include.list and table.blacklist/table.exclude.list are "
                    + "exclusive; set only one";
            for (String key : List.of(JdbcSourceConfig.TABLE_WHITELIST, JdbcSourceConfig.TABLE_INCLUDE_LIST,
                    JdbcSourceConfig.TABLE_BLACKLIST, JdbcSourceConfig.TABLE_EXCLUDE_LIST)) {
                if (!config.getList(key).isEmpty()) {
                    add(errors, key, message);
                }
            }
        }
        return errors;
    }

    private static void add(Map<String, List<String>> errors, String key, String message) {
        errors.computeIfAbsent(key, k -> new ArrayList<>()).add(message);
    }
}
