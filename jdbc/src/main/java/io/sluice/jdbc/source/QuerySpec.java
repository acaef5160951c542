package io.sluice.jdbc.source;

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
                 NumericMapping numericMapping, String quote, Long timestampInitial) {
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
                quote, config.getLong(JdbcSourceConfig.TIMESTAMP_INITIAL));
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
        return switch (mode) {
            case BULK -> select;
            case INCREMENTING -> select + " WHERE " + inc + " > ? ORDER BY " + inc + " ASC";
            case TIMESTAMP -> select + " WHERE " + ts + " > ? AND " + ts + " < ? ORDER BY " + ts + " ASC";
            case TIMESTAMP_INCREMENTING -> select + " WHERE " + ts + " < ? AND ((" + ts + " = ? AND " + inc
                    + " > ?) OR " + ts + " > ?) ORDER BY " + ts + " ASC, " + inc + " ASC";
        };
    }
}
