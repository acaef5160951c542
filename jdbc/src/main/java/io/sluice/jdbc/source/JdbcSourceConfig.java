package io.sluice.jdbc.source;

import io.sluice.jdbc.JdbcConnectionConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JDBC source connector's settings, named as in Confluent's JDBC source connector so its configs work
 * unchanged. {@code table.include.list}/{@code table.exclude.list} are the newer spellings of
 * {@code table.whitelist}/{@code table.blacklist}; either may be used.
 */
public class JdbcSourceConfig extends AbstractConfig {
    public static final String TABLE_WHITELIST = "table.whitelist";
    public static final String TABLE_BLACKLIST = "table.blacklist";
    public static final String TABLE_INCLUDE_LIST = "table.include.list";
    public static final String TABLE_EXCLUDE_LIST = "table.exclude.list";
    public static final String SCHEMA_PATTERN = "schema.pattern";
    public static final String CATALOG_PATTERN = "catalog.pattern";
    public static final String TABLE_TYPES = "table.types";
    public static final String QUERY = "query";
    public static final String MODE = "mode";
    public static final String INCREMENTING_COLUMN_NAME = "incrementing.column.name";
    public static final String TIMESTAMP_COLUMN_NAME = "timestamp.column.name";
    public static final String TIMESTAMP_DELAY_INTERVAL_MS = "timestamp.delay.interval.ms";
    public static final String TIMESTAMP_INITIAL = "timestamp.initial";
    /** {@code timestamp.initial}'s value for "the database's current time". */
    public static final long TIMESTAMP_INITIAL_CURRENT = -1L;
    public static final String POLL_INTERVAL_MS = "poll.interval.ms";
    public static final String BATCH_MAX_ROWS = "batch.max.rows";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TABLE_POLL_INTERVAL_MS = "table.poll.interval.ms";
    public static final String DB_TIMEZONE = "db.timezone";
    public static final String NUMERIC_MAPPING = "numeric.mapping";
    public static final String QUOTE_SQL_IDENTIFIERS = "quote.sql.identifiers";
    public static final String VALIDATE_NON_NULL = "validate.non.null";
    public static final String QUERY_SUFFIX = "query.suffix";

    private static final String MODE_GROUP = "Mode";
    private static final String CONNECTOR_GROUP = "Connector";

    public static final ConfigDef CONFIG_DEF = configDef();

    public JdbcSourceConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
    }

    protected JdbcSourceConfig(ConfigDef def, Map<String, String> props) {
        super(def, props);
    }

    private static ConfigDef configDef() {
        ConfigDef def = JdbcConnectionConfig.define(new ConfigDef());
        String group = JdbcConnectionConfig.GROUP;
        def.define(TABLE_WHITELIST, Type.LIST, "", Importance.MEDIUM,
                        "Tables to copy (name or schema.name); if set, no table is excluded by a blacklist.",
                        group, 4, Width.LONG, "Table Whitelist")
                .define(TABLE_BLACKLIST, Type.LIST, "", Importance.MEDIUM, "Tables not to copy.", group, 5,
                        Width.LONG, "Table Blacklist")
                .define(TABLE_INCLUDE_LIST, Type.LIST, "", Importance.MEDIUM, "Same as " + TABLE_WHITELIST + ".",
                        group, 6, Width.LONG, "Table Include List")
                .define(TABLE_EXCLUDE_LIST, Type.LIST, "", Importance.MEDIUM, "Same as " + TABLE_BLACKLIST + ".",
                        group, 7, Width.LONG, "Table Exclude List")
                .define(SCHEMA_PATTERN, Type.STRING, null, Importance.MEDIUM,
                        "Schema pattern for finding tables; null means every schema.", group, 8, Width.SHORT,
                        "Schema pattern")
                .define(CATALOG_PATTERN, Type.STRING, null, Importance.MEDIUM,
                        "Catalog pattern for finding tables; null means every catalog.", group, 9, Width.SHORT,
                        "Catalog pattern")
                .define(TABLE_TYPES, Type.LIST, "TABLE", Importance.LOW,
                        "Table types to copy, e.g. TABLE,VIEW.", group, 10, Width.SHORT, "Table Types")
                .define(NUMERIC_MAPPING, Type.STRING, NumericMapping.NONE.configValue(),
                        ConfigDef.CaseInsensitiveValidString.in(NumericMapping.configValues().toArray(String[]::new)),
                        Importance.LOW, "How NUMERIC/DECIMAL columns map to Connect types: none (Decimal), "
                                + "precision_only, best_fit or best_fit_eager_double.", group, 11, Width.SHORT,
                        "Map Numeric Values By Precision")
                .define(DB_TIMEZONE, Type.STRING, "UTC", new ZoneValidator(), Importance.MEDIUM,
                        "Time zone in which the database's TIMESTAMP/TIME values (without time zone) are written.",
                        group, 12, Width.MEDIUM, "DB time zone")
                .define(QUOTE_SQL_IDENTIFIERS, Type.STRING, "always",
                        ConfigDef.CaseInsensitiveValidString.in("always", "never"), Importance.MEDIUM,
                        "Whether table and column names are quoted in the queries.", group, 13, Width.SHORT,
                        "Quote Identifiers");
        def.define(MODE, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        ConfigDef.CaseInsensitiveValidString.in(Mode.configValues().toArray(String[]::new)),
                        Importance.HIGH, "How each poll finds new rows: bulk, incrementing, timestamp or "
                                + "timestamp+incrementing.", MODE_GROUP, 1, Width.MEDIUM, "Table Loading Mode")
                .define(INCREMENTING_COLUMN_NAME, Type.STRING, "", Importance.MEDIUM,
                        "A strictly increasing column (incrementing modes).", MODE_GROUP, 2, Width.MEDIUM,
                        "Incrementing Column Name")
                .define(TIMESTAMP_COLUMN_NAME, Type.LIST, "", Importance.MEDIUM,
                        "Timestamp column(s) for timestamp modes; several are combined with COALESCE.",
                        MODE_GROUP, 3, Width.MEDIUM, "Timestamp Column Name")
                .define(QUERY, Type.STRING, "", Importance.MEDIUM,
                        "A query to run instead of copying tables; its rows go to topic.prefix.", MODE_GROUP, 4,
                        Width.LONG, "Query")
                .define(TIMESTAMP_DELAY_INTERVAL_MS, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.HIGH,
                        "How long after a timestamp a row is copied, so transactions writing earlier timestamps "
                                + "can commit first.", MODE_GROUP, 5, Width.MEDIUM, "Delay Interval (ms)")
                .define(TIMESTAMP_INITIAL, Type.LONG, null, Importance.LOW,
                        "Epoch ms to start timestamp modes from when there is no stored offset; -1 means the "
                                + "database's current time; unset means from the beginning.", MODE_GROUP, 6,
                        Width.MEDIUM, "Initial Timestamp")
                .define(VALIDATE_NON_NULL, Type.BOOLEAN, true, Importance.LOW,
                        "Whether a task fails when a table's incrementing column, or all of its timestamp columns, "
                                + "may hold NULL (rows with NULL there are never copied). Not checked in query mode.",
                        MODE_GROUP, 7, Width.SHORT, "Validate Non Null")
                .define(QUERY_SUFFIX, Type.STRING, "", Importance.LOW,
                        "Text appended to every generated query, e.g. a locking or hint clause.", MODE_GROUP, 8,
                        Width.MEDIUM, "Query suffix");
        def.define(POLL_INTERVAL_MS, Type.INT, 5000, ConfigDef.Range.atLeast(1), Importance.HIGH,
                        "How often each table is polled for new rows.", CONNECTOR_GROUP, 1, Width.SHORT,
                        "Poll Interval (ms)")
                .define(BATCH_MAX_ROWS, Type.INT, 100, ConfigDef.Range.atLeast(1), Importance.LOW,
                        "Rows per batch; in timestamp modes a batch is extended to the end of its timestamp group.",
                        CONNECTOR_GROUP, 2, Width.SHORT, "Max Rows Per Batch")
                .define(TABLE_POLL_INTERVAL_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                        "How often the connector looks for new or removed tables.", CONNECTOR_GROUP, 3,
                        Width.SHORT, "Metadata Change Monitoring Interval (ms)")
                .define(TOPIC_PREFIX, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                        "Prefix of each table's topic (topic = prefix + table name); in query mode, the topic.",
                        CONNECTOR_GROUP, 4, Width.MEDIUM, "Topic Prefix");
        return def;
    }

    public Mode mode() {
        return Mode.of(getString(MODE));
    }

    public String query() {
        String query = getString(QUERY);
        return query == null || query.isBlank() ? null : query.trim();
    }

    public String incrementingColumn() {
        String column = getString(INCREMENTING_COLUMN_NAME);
        return column == null || column.isBlank() ? null : column.trim();
    }

    public List<String> timestampColumns() {
        return getList(TIMESTAMP_COLUMN_NAME).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** Tables to include: table.whitelist and table.include.list together. */
    public List<String> includedTables() {
        return merged(TABLE_WHITELIST, TABLE_INCLUDE_LIST);
    }

    /** Tables to exclude: table.blacklist and table.exclude.list together. */
    public List<String> excludedTables() {
        return merged(TABLE_BLACKLIST, TABLE_EXCLUDE_LIST);
    }

    private List<String> merged(String first, String second) {
        List<String> all = new ArrayList<>(getList(first));
        all.addAll(getList(second));
        return all.stream().map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
    }

    public String querySuffix() {
        String suffix = getString(QUERY_SUFFIX);
        return suffix == null || suffix.isBlank() ? null : suffix.trim();
    }

    public ZoneId dbTimeZone() {
        return ZoneId.of(getString(DB_TIMEZONE));
    }

    public NumericMapping numericMapping() {
        return NumericMapping.of(getString(NUMERIC_MAPPING));
    }

    public boolean quoteIdentifiers() {
        return "always".equalsIgnoreCase(getString(QUOTE_SQL_IDENTIFIERS));
    }

    private static final class ZoneValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                ZoneId.of((String) value);
            } catch (RuntimeException e) {
                throw new ConfigException(name, value, "not a time zone id (e.g. UTC, Europe/Paris): "
                        + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "a time zone id, e.g. UTC or Europe/Paris";
        }
    }
}
