package io.sluice.jdbc.sink;

import io.sluice.jdbc.JdbcConnectionConfig;
import io.sluice.jdbc.dialect.Dialects;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;

/**
 * The JDBC sink's settings, under Confluent's JDBC sink connector's names so existing configs work, plus
 * {@code exactly.once} (Sluice's): rows and consumed offsets committed in one database transaction.
 */
public final class JdbcSinkConfig extends AbstractConfig {
    public enum InsertMode { INSERT, UPSERT, UPDATE }

    public enum PrimaryKeyMode { NONE, KAFKA, RECORD_KEY, RECORD_VALUE }

    public static final String INSERT_MODE = "insert.mode";
    public static final String BATCH_SIZE = "batch.size";
    public static final String DELETE_ENABLED = "delete.enabled";
    public static final String TABLE_NAME_FORMAT = "table.name.format";
    public static final String PK_MODE = "pk.mode";
    public static final String PK_FIELDS = "pk.fields";
    public static final String FIELDS_WHITELIST = "fields.whitelist";
    public static final String FIELDS_INCLUDE_LIST = "fields.include.list";
    public static final String DB_TIMEZONE = "db.timezone";
    public static final String AUTO_CREATE = "auto.create";
    public static final String AUTO_EVOLVE = "auto.evolve";
    public static final String QUOTE_SQL_IDENTIFIERS = "quote.sql.identifiers";
    public static final String DIALECT_NAME = "dialect.name";
    public static final String MAX_RETRIES = "max.retries";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    public static final String EXACTLY_ONCE = "exactly.once";
    public static final String OFFSETS_TABLE = "exactly.once.offsets.table";
    /** Kafka Connect's connector setting, read here to decide between reporting and failing on a bad record. */
    public static final String ERRORS_TOLERANCE = "errors.tolerance";

    /** The columns {@code pk.mode=kafka} writes when {@code pk.fields} is empty. */
    public static final List<String> KAFKA_PK_FIELDS = List.of("__connect_topic", "__connect_partition",
            "__connect_offset");

    private static final String WRITES = "Writes";
    private static final String DATA_MAPPING = "Data Mapping";
    private static final String DDL = "DDL Support";
    private static final String RETRIES = "Retries";

    public static final ConfigDef CONFIG_DEF = definition();

    public final InsertMode insertMode;
    public final PrimaryKeyMode pkMode;
    public final List<String> pkFields;
    public final List<String> fieldsIncluded;
    public final TimeZone timeZone;
    public final boolean exactlyOnce;

    public JdbcSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        insertMode = InsertMode.valueOf(getString(INSERT_MODE).trim().toUpperCase(Locale.ROOT));
        pkMode = PrimaryKeyMode.valueOf(getString(PK_MODE).trim().toUpperCase(Locale.ROOT));
        pkFields = trimmed(getList(PK_FIELDS));
        List<String> included = new ArrayList<>(trimmed(getList(FIELDS_WHITELIST)));
        included.addAll(trimmed(getList(FIELDS_INCLUDE_LIST)));
        fieldsIncluded = List.copyOf(included);
        timeZone = TimeZone.getTimeZone(ZoneId.of(getString(DB_TIMEZONE).trim()));
        exactlyOnce = getBoolean(EXACTLY_ONCE);
        if (getBoolean(DELETE_ENABLED) && pkMode != PrimaryKeyMode.RECORD_KEY) {
            throw new ConfigException(DELETE_ENABLED, "true", "Primary key mode must be 'record_key' when delete "
                    + "support is enabled");
        }
        if (insertMode != InsertMode.INSERT && pkMode == PrimaryKeyMode.NONE) {
            throw new ConfigException(PK_MODE, "none", "insert.mode=" + getString(INSERT_MODE)
                    + " needs a primary key to match rows: set pk.mode to kafka, record_key or record_value");
        }
        if (pkMode == PrimaryKeyMode.KAFKA && !pkFields.isEmpty() && pkFields.size() != 3) {
            throw new ConfigException(PK_FIELDS, getList(PK_FIELDS), "pk.mode=kafka takes exactly 3 names "
                    + "(for topic, partition and offset), or none for " + KAFKA_PK_FIELDS);
        }
    }

    public String tableName(String topic) {
        return getString(TABLE_NAME_FORMAT).replace("${topic}", topic);
    }

    public boolean toleratesErrors() {
        Object tolerance = originals().get(ERRORS_TOLERANCE);
        return tolerance != null && "all".equalsIgnoreCase(tolerance.toString().trim());
    }

    private static List<String> trimmed(List<String> names) {
        return names.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static ConfigDef definition() {
        ConfigDef def = JdbcConnectionConfig.define(new ConfigDef());
        int order = 0;
        def.define(INSERT_MODE, Type.STRING, "insert", enumValidator(InsertMode.values()), Importance.HIGH,
                        "The insertion mode to use: insert (standard INSERT), upsert (insert or replace by primary "
                                + "key, with the database's upsert: MERGE in H2, ON CONFLICT in PostgreSQL) or update "
                                + "(UPDATE by primary key).", WRITES, ++order, Width.MEDIUM, "Insert Mode")
                .define(BATCH_SIZE, Type.INT, 3000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        "How many records to send to the database in one JDBC batch, when possible.", WRITES, ++order,
                        Width.SHORT, "Batch Size")
                .define(DELETE_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Whether to treat null record values as deletes. Requires pk.mode to be record_key.", WRITES,
                        ++order, Width.SHORT, "Enable deletes")
                .define(EXACTLY_ONCE, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Commit each batch's rows together with the consumed topic/partition/offset in one database "
                                + "transaction, and resume from the offsets stored there rather than the consumer "
                                + "group's: no duplicates after a crash, even with insert.mode=insert. A partition "
                                + "with no stored offset starts from the beginning (auto.offset.reset).",
                        WRITES, ++order, Width.SHORT, "Exactly once")
                .define(OFFSETS_TABLE, Type.STRING, "__sluice_sink_offsets", new ConfigDef.NonEmptyString(),
                        Importance.LOW, "The table (created when missing) holding the offsets with exactly.once.",
                        WRITES, ++order, Width.MEDIUM, "Offsets table");
        order = 0;
        def.define(TABLE_NAME_FORMAT, Type.STRING, "${topic}", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                        "A format string for the destination table name, which may contain '${topic}' for the topic "
                                + "name; 'schema.table' names a table in a schema.", DATA_MAPPING, ++order,
                        Width.LONG, "Table Name Format")
                .define(PK_MODE, Type.STRING, "none", enumValidator(PrimaryKeyMode.values()), Importance.HIGH,
                        "The primary key mode: none, kafka (topic, partition, offset), record_key (fields of the "
                                + "key, or the key itself when primitive) or record_value (fields of the value).",
                        DATA_MAPPING, ++order, Width.MEDIUM, "Primary Key Mode")
                .define(PK_FIELDS, Type.LIST, "", Importance.MEDIUM,
                        "The primary key field names; their meaning depends on pk.mode (empty: all key fields for "
                                + "record_key, all value fields for record_value; one name for a primitive key).",
                        DATA_MAPPING, ++order, Width.LONG, "Primary Key Fields")
                .define(FIELDS_WHITELIST, Type.LIST, "", Importance.MEDIUM,
                        "Record value field names to write; empty for all. The primary key columns are chosen by "
                                + "pk.fields independently.", DATA_MAPPING, ++order, Width.LONG, "Fields Whitelist")
                .define(FIELDS_INCLUDE_LIST, Type.LIST, "", Importance.MEDIUM,
                        "Synonym of fields.whitelist.", DATA_MAPPING, ++order, Width.LONG, "Fields Include List")
                .define(DB_TIMEZONE, Type.STRING, "UTC", new ZoneValidator(), Importance.MEDIUM,
                        "Name of the time zone dates, times and timestamps are written in.", DATA_MAPPING, ++order,
                        Width.MEDIUM, "DB Time Zone");
        order = 0;
        def.define(AUTO_CREATE, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Whether to create the destination table (CREATE TABLE) from the record schema when missing.",
                        DDL, ++order, Width.SHORT, "Auto-Create")
                .define(AUTO_EVOLVE, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Whether to add columns (ALTER TABLE) for new record fields, and widen column types where "
                                + "the database can (INTEGER to BIGINT, VARCHAR(n) to a longer string type).",
                        DDL, ++order, Width.SHORT, "Auto-Evolve")
                .define(QUOTE_SQL_IDENTIFIERS, Type.STRING, "always", ConfigDef.ValidString.in("always", "never"),
                        Importance.MEDIUM, "When to quote table names, column names, and other identifiers.", DDL,
                        ++order, Width.SHORT, "Quote Identifiers")
                .define(DIALECT_NAME, Type.STRING, "", ConfigDef.LambdaValidator.with((name, value) -> {
                    String dialect = value == null ? "" : value.toString().trim();
                    if (!dialect.isEmpty() && !Dialects.NAMES.contains(dialect)) {
                        throw new ConfigException(name, value, "must be empty (from the URL) or one of "
                                + Dialects.NAMES);
                    }
                }, () -> "empty or one of " + Dialects.NAMES), Importance.LOW,
                        "The database dialect; empty to choose from the JDBC URL.", DDL, ++order, Width.LONG,
                        "Database Dialect");
        order = 0;
        def.define(MAX_RETRIES, Type.INT, 10, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                        "The maximum number of times to retry on errors before failing the task.", RETRIES, ++order,
                        Width.SHORT, "Maximum Retries")
                .define(RETRY_BACKOFF_MS, Type.INT, 3000, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                        "The time in milliseconds to wait following an error before a retry attempt is made.",
                        RETRIES, ++order, Width.SHORT, "Retry Backoff (millis)");
        return def;
    }

    private static ConfigDef.Validator enumValidator(Enum<?>[] values) {
        String[] names = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            names[i] = values[i].name().toLowerCase(Locale.ROOT);
        }
        return ConfigDef.CaseInsensitiveValidString.in(names);
    }

    private static final class ZoneValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                ZoneId.of(value.toString().trim());
            } catch (RuntimeException e) {
                throw new ConfigException(name, value, "not a valid time zone: " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "Any valid time zone id (e.g. UTC, Europe/Paris)";
        }
    }
}
