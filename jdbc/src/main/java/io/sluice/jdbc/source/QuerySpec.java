package io.sluice.jdbc.source;

import org.apache.kafka.connect.errors.ConnectException;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one {@link TableQuerier} reads and how: the table or query, the mode and its columns, the topic and
 * source partition, and the SQL for a round. Query mode wraps the user's query as a derived table so the
 * offset conditions can be added to any query.
 */
record QuerySpec(Mode mode, TableId table, String query, String topicPrefix, String incrementingColumn,
                 List<String> timestampColumns, int batchMaxRows, long delayMs, long pollIntervalMs, ZoneId zone,
                 NumericMapping numericMapping, String quote, Long timestampInitial, boolean validateNonNull,
                 String suffix) {
    /** Confluent's partition key for query mode holds this fixed value. */
    static final String QUERY_PARTITION_VALUE = "query";

    static QuerySpec forTable(JdbcSourceConfig config, TableId table, String quote) {
        return of(config, table, null, quote);
    }

    static QuerySpec forQuery(JdbcSourceConfig config, String quote) {
        return of(config, null, config.query(), quote);
    }

    private static QuerySpec of(JdbcSourceConfig config, TableId table, String query, String quote) {
        Mode mode = config.mode();
        return new QuerySpec(mode, table, query, config.getString(JdbcSourceConfig.TOPIC_PREFIX),
                mode.usesIncrementing() ? config.incrementingColumn() : null,
                mode.usesTimestamp() ? config.timestampColumns() : List.of(),
                config.getInt(JdbcSourceConfig.BATCH_MAX_ROWS),
                config.getLong(JdbcSourceConfig.TIMESTAMP_DELAY_INTERVAL_MS),
                config.getInt(JdbcSourceConfig.POLL_INTERVAL_MS), config.dbTimeZone(), config.numericMapping(),
                quote, config.getLong(JdbcSourceConfig.TIMESTAMP_INITIAL),
                config.getBoolean(JdbcSourceConfig.VALIDATE_NON_NULL), config.querySuffix());
    }

    /**
     * {"table": name} as Confluent's connector keys a table's offsets ({@link TableId#key()}: schema.name when
     * the bare name is ambiguous), {"query": "query"} in query mode.
     */
    Map<String, String> partition() {
        return table != null ? Map.of("table", table.key()) : Map.of("query", QUERY_PARTITION_VALUE);
    }

    String topic() {
        return table != null ? topicPrefix + table.key() : topicPrefix;
    }

    /** The struct schema's name: the table's, as Confluent's connector names it; none for a query. */
    String schemaName() {
        return table != null ? table.name() : null;
    }

    /**
     * Rows with NULL in the offset column are never read by the incremental modes, so a table that allows it is
     * refused unless validate.non.null=false. A query's columns cannot be traced to a table: not checked.
     */
    void checkNonNull(ColumnResolver.Resolved incrementing, List<ColumnResolver.Resolved> timestamps) {
        if (!validateNonNull || table == null) {
            return;
        }
        if (incrementing != null && incrementing.nullable()) {
            throw new ConnectException("Cannot make incremental queries using incrementing column "
                    + incrementing.label() + " on " + table.qualifiedName() + " because this column is nullable;"
                    + " make it NOT NULL or set " + JdbcSourceConfig.VALIDATE_NON_NULL + "=false");
        }
        if (!timestamps.isEmpty() && timestamps.stream().allMatch(ColumnResolver.Resolved::nullable)) {
            throw new ConnectException("Cannot make incremental queries using timestamp columns "
                    + timestamps.stream().map(ColumnResolver.Resolved::label).toList() + " on "
                    + table.qualifiedName() + " because all of these columns are nullable; make one NOT NULL or"
                    + " set " + JdbcSourceConfig.VALIDATE_NON_NULL + "=false");
        }
    }

    String description() {
        return table != null ? "table " + table.qualifiedName() : "the configured query";
    }

    String fromClause() {
        return table != null ? table.sql(quote) : "(" + query + ") sluice_query";
    }

    String sql(ColumnResolver.Resolved incrementing, List<ColumnResolver.Resolved> timestamps) {
        String select = "SELECT * FROM " + fromClause();
        String inc = incrementing == null ? null : Identifiers.quote(incrementing.label(), quote);
        String ts = timestamps.isEmpty() ? null : timestamps.size() == 1
                ? Identifiers.quote(timestamps.get(0).label(), quote)
                : timestamps.stream().map(c -> Identifiers.quote(c.label(), quote))
                        .collect(Collectors.joining(", ", "COALESCE(", ")"));
        String where = switch (mode) {
            case BULK -> "";
            case INCREMENTING -> " WHERE " + inc + " > ? ORDER BY " + inc + " ASC";
            case TIMESTAMP -> " WHERE " + ts + " > ? AND " + ts + " < ? ORDER BY " + ts + " ASC";
            case TIMESTAMP_INCREMENTING -> " WHERE " + ts + " < ? AND ((" + ts + " = ? AND " + inc
                    + " > ?) OR " + ts + " > ?) ORDER BY " + ts + " ASC, " + inc + " ASC";
        };
        // As in Confluent's connector: after everything, ORDER BY included.
        return select + where + (suffix == null ? "" : " " + suffix);
    }
}
