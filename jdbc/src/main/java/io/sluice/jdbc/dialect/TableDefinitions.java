package io.sluice.jdbc.dialect;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a table's columns from the database's metadata. */
public final class TableDefinitions {
    private TableDefinitions() {
    }

    /**
     * The columns of {@code table} by name, in table order, or null when there is no such table. Unquoted names are
     * folded by the database (upper case in H2, lower case in PostgreSQL), so they are looked up as given, then
     * folded both ways.
     */
    public static Map<String, ColumnInfo> columns(Connection connection, TableId table, boolean quoted)
            throws SQLException {
        Map<String, ColumnInfo> found = read(connection, table.schema(), table.table());
        if (found == null && !quoted) {
            found = read(connection, fold(table.schema(), true), table.table().toUpperCase());
            if (found == null) {
                found = read(connection, fold(table.schema(), false), table.table().toLowerCase());
            }
        }
        return found;
    }

    private static String fold(String name, boolean upper) {
        return name == null ? null : upper ? name.toUpperCase() : name.toLowerCase();
    }

    private static Map<String, ColumnInfo> read(Connection connection, String schema, String table)
            throws SQLException {
        DatabaseMetaData metadata = connection.getMetaData();
        String escape = metadata.getSearchStringEscape();
        Map<String, ColumnInfo> columns = new LinkedHashMap<>();
        // Names are patterns here, and '_' (common in table names) matches any character: escape it.
        try (ResultSet rs = metadata.getColumns(null, pattern(schema, escape), pattern(table, escape), null)) {
            while (rs.next()) {
                if (!table.equals(rs.getString("TABLE_NAME"))) {
                    continue;
                }
                String name = rs.getString("COLUMN_NAME");
                columns.put(name, new ColumnInfo(name, rs.getInt("DATA_TYPE"), rs.getString("TYPE_NAME"),
                        rs.getInt("COLUMN_SIZE"), rs.getInt("NULLABLE") != DatabaseMetaData.columnNoNulls));
            }
        }
        return columns.isEmpty() ? null : columns;
    }

    private static String pattern(String name, String escape) {
        if (name == null) {
            return null;
        }
        if (escape == null || escape.isEmpty()) {
            return name;
        }
        return name.replace(escape, escape + escape).replace("_", escape + "_").replace("%", escape + "%");
    }
}
