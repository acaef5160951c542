package io.sluice.jdbc.sink;

import io.sluice.jdbc.dialect.ColumnSpec;
import io.sluice.jdbc.dialect.TableId;

import java.util.List;

/**
 * What rows of one kind write: the table, the operation, the key columns (which identify a row) and the value
 * columns. Consecutive rows of one shape go to the database as one JDBC batch of one statement.
 */
record RowShape(TableId table, Operation operation, List<ColumnSpec> keys, List<ColumnSpec> values) {
}
