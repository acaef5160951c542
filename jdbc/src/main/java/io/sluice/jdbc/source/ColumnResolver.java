package io.sluice.jdbc.source;

import org.apache.kafka.connect.errors.ConnectException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the configured incrementing/timestamp columns among the columns a table (or query) really has, so that
 * {@code id} finds H2's {@code ID} and PostgreSQL's {@code id} alike, and a misspelt name fails with the list of
 * columns instead of an SQL error.
 */
final class ColumnResolver {
    /**
     * A column as the result set names it, whether its values carry their own time zone, and whether the
     * database says it may hold NULL (unknown counts as no).
     */
    record Resolved(String label, boolean withZone, boolean nullable) {
    }

    private final List<String> labels = new ArrayList<>();
    private final List<Boolean> zoned = new ArrayList<>();
    private final List<Boolean> nullable = new ArrayList<>();
    private final String source;

    private ColumnResolver(String source) {
        this.source = source;
    }

    /** Reads the column list of {@code fromClause} with a query that returns no rows. */
    static ColumnResolver probe(Connection connection, String fromClause, String source) throws SQLException {
        ColumnResolver resolver = new ColumnResolver(source);
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT * FROM " + fromClause + " WHERE 1 = 0")) {
            ResultSetMetaData metadata = rs.getMetaData();
            for (int i = 1; i <= metadata.getColumnCount(); i++) {
                resolver.labels.add(metadata.getColumnLabel(i));
                resolver.zoned.add(SchemaMapping.hasZone(metadata.getColumnType(i), metadata.getColumnTypeName(i)));
                resolver.nullable.add(metadata.isNullable(i) == ResultSetMetaData.columnNullable);
            }
        }
        return resolver;
    }

    Resolved resolve(String configKey, String configured) {
        int index = labels.indexOf(configured);
        if (index < 0) {
            for (int i = 0; i < labels.size(); i++) {
                if (labels.get(i).equalsIgnoreCase(configured)) {
                    index = i;
                    break;
                }
            }
        }
        if (index < 0) {
            throw new ConnectException(configKey + " names column '" + configured + "', which " + source
                    + " does not have; its columns are " + labels);
        }
        return new Resolved(labels.get(index), zoned.get(index), nullable.get(index));
    }
}
