package io.sluice.jdbc.sink;

import io.sluice.jdbc.dialect.ColumnSpec;
import io.sluice.jdbc.dialect.Dialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Calendar;
import java.util.List;

/**
 * Writes rows on a connection whose transaction the caller owns. Rows keep their order: each run of consecutive
 * rows of one shape is one statement executed in JDBC batches of at most {@code batch.size}, so a delete after an
 * insert of the same key still deletes it.
 */
final class BatchWriter {
    private final Dialect dialect;
    private final int batchSize;
    private final Calendar zone;

    BatchWriter(Dialect dialect, int batchSize, Calendar zone) {
        this.dialect = dialect;
        this.batchSize = batchSize;
        this.zone = zone;
    }

    void write(Connection connection, List<Row> rows) throws SQLException {
        int start = 0;
        while (start < rows.size()) {
            RowShape shape = rows.get(start).shape();
            int end = start + 1;
            while (end < rows.size() && rows.get(end).shape().equals(shape)) {
                end++;
            }
            writeRun(connection, shape, rows.subList(start, end));
            start = end;
        }
    }

    private void writeRun(Connection connection, RowShape shape, List<Row> run) throws SQLException {
        if (shape.operation() == Operation.UPDATE && shape.values().isEmpty()) {
            return; // nothing to set: the key columns are all the record has
        }
        try (PreparedStatement statement = connection.prepareStatement(sql(shape))) {
            int pending = 0;
            for (Row row : run) {
                bind(statement, row);
                statement.addBatch();
                if (++pending == batchSize) {
                    statement.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                statement.executeBatch();
            }
        }
    }

    /** Writes one row alone (to find which row of a failed batch the database refuses). */
    void writeOne(Connection connection, Row row) throws SQLException {
        if (row.shape().operation() == Operation.UPDATE && row.shape().values().isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(sql(row.shape()))) {
            bind(statement, row);
            statement.executeUpdate();
        }
    }

    private String sql(RowShape shape) {
        return switch (shape.operation()) {
            case INSERT -> dialect.insert(shape.table(), shape.keys(), shape.values());
            case UPSERT -> dialect.upsert(shape.table(), shape.keys(), shape.values());
            case UPDATE -> dialect.update(shape.table(), shape.keys(), shape.values());
            case DELETE -> dialect.delete(shape.table(), shape.keys());
        };
    }

    private void bind(PreparedStatement statement, Row row) throws SQLException {
        RowShape shape = row.shape();
        int index = 1;
        if (shape.operation() == Operation.UPDATE) {
            index = bindAll(statement, index, shape.values(), row.values());
            bindAll(statement, index, shape.keys(), row.keys());
        } else {
            index = bindAll(statement, index, shape.keys(), row.keys());
            if (shape.operation() != Operation.DELETE) {
                bindAll(statement, index, shape.values(), row.values());
            }
        }
    }

    private int bindAll(PreparedStatement statement, int index, List<ColumnSpec> columns, Object[] values)
            throws SQLException {
        for (int i = 0; i < columns.size(); i++) {
            dialect.bind(statement, index++, columns.get(i).schema(), values[i], zone);
        }
        return index;
    }
}
