package io.sluice.jdbc.dialect;

import java.util.List;
import java.util.stream.Collectors;

/** PostgreSQL: upsert is {@code INSERT ... ON CONFLICT (keys) DO UPDATE}; TEXT, BYTEA and unbounded NUMERIC. */
public final class PostgresDialect extends Dialect {
    public static final String NAME = "PostgreSqlDatabaseDialect";

    public PostgresDialect(boolean quoteIdentifiers) {
        super(quoteIdentifiers);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected String stringType() {
        return "TEXT";
    }

    @Override
    protected String bytesType() {
        return "BYTEA";
    }

    @Override
    protected String decimalType(int scale) {
        return "DECIMAL";
    }

    @Override
    public String upsert(TableId table, List<ColumnSpec> keys, List<ColumnSpec> values) {
        String insert = insert(table, keys, values) + " ON CONFLICT (" + names(keys) + ") DO ";
        if (values.isEmpty()) {
            return insert + "NOTHING";
        }
        return insert + "UPDATE SET " + values.stream().map(v -> quote(v.name()) + "=EXCLUDED." + quote(v.name()))
                .collect(Collectors.joining(", "));
    }
}
