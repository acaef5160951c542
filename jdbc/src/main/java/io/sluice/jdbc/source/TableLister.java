package io.sluice.jdbc.source;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Lists the tables a connector copies, from {@link DatabaseMetaData#getTables}: the configured catalog/schema
 * patterns and table types, minus the databases' own catalog schemas, then include/exclude lists.
 */
final class TableLister {
    private static final Set<String> SYSTEM_SCHEMAS = Set.of("information_schema", "pg_catalog", "pg_toast");

    private final String catalogPattern;
    private final String schemaPattern;
    private final String[] tableTypes;
    private final List<String> include;
    private final List<String> exclude;

    TableLister(JdbcSourceConfig config) {
        this.catalogPattern = config.getString(JdbcSourceConfig.CATALOG_PATTERN);
        this.schemaPattern = config.getString(JdbcSourceConfig.SCHEMA_PATTERN);
        this.tableTypes = config.getList(JdbcSourceConfig.TABLE_TYPES).stream().map(String::trim)
                .map(t -> t.toUpperCase(java.util.Locale.ROOT)).toArray(String[]::new);
        this.include = config.includedTables();
        this.exclude = config.excludedTables();
    }

    List<TableId> list(Connection connection) throws SQLException {
        Set<TableId> tables = new TreeSet<>();
        DatabaseMetaData metadata = connection.getMetaData();
        try (ResultSet rs = metadata.getTables(catalogPattern, schemaPattern, "%", typesFor(metadata))) {
            while (rs.next()) {
                String schema = rs.getString("TABLE_SCHEM");
                if (schema != null && SYSTEM_SCHEMAS.contains(schema.toLowerCase(java.util.Locale.ROOT))) {
                    continue;
                }
                // The catalog is the database the URL names; leaving it out keeps queries portable.
                TableId table = new TableId(null, schema, rs.getString("TABLE_NAME"));
                if (selected(table)) {
                    tables.add(table);
                }
            }
        }
        Map<String, Long> perName = tables.stream().collect(Collectors.groupingBy(TableId::name, Collectors.counting()));
        List<TableId> keyed = new ArrayList<>();
        for (TableId table : tables) {
            keyed.add(perName.get(table.name()) > 1 ? table.withQualifiedKey() : table);
        }
        return keyed;
    }

    private boolean selected(TableId table) {
        if (!include.isEmpty() && include.stream().noneMatch(table::matches)) {
            return false;
        }
        return exclude.stream().noneMatch(table::matches);
    }

    /** H2 2.x calls a plain table "BASE TABLE" (the SQL standard's name); others say "TABLE". */
    private String[] typesFor(DatabaseMetaData metadata) throws SQLException {
        Set<String> known = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        try (ResultSet rs = metadata.getTableTypes()) {
            while (rs.next()) {
                known.add(rs.getString(1).trim());
            }
        }
        List<String> types = new ArrayList<>();
        for (String type : tableTypes) {
            types.add(type);
            if (type.equals("TABLE") && !known.contains("TABLE") && known.contains("BASE TABLE")) {
                types.add("BASE TABLE");
            }
        }
        return types.toArray(String[]::new);
    }
}
