package io.sluice.jdbc.sink;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Plain JDBC for tests: run SQL, read rows as strings. */
record Db(String url, String user) {
    void execute(String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, null); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Each row as its columns' values joined with '|', in the query's order; empty when the table is missing. */
    List<String> rows(String sql) {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, user, null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    if (i > 1) {
                        row.append('|');
                    }
                    row.append(rs.getString(i));
                }
                rows.add(row.toString());
            }
        } catch (SQLException e) {
            if (e.getMessage().toLowerCase().contains("not found") || e.getMessage().contains("does not exist")) {
                return List.of();
            }
            throw new IllegalStateException(e);
        }
        return rows;
    }

    long count(String table) {
        List<String> rows = rows("SELECT COUNT(*) FROM \"" + table + "\"");
        return rows.isEmpty() ? 0 : Long.parseLong(rows.get(0));
    }

    /** The database's type name of a column (upper case). */
    String columnType(String table, String column) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, null);
             ResultSet rs = c.getMetaData().getColumns(null, null, table, column)) {
            return rs.next() ? rs.getString("TYPE_NAME").toUpperCase() : null;
        }
    }
}
