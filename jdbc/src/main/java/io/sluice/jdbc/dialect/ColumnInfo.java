package io.sluice.jdbc.dialect;

/**
 * A column as the database describes it ({@link java.sql.DatabaseMetaData#getColumns}): its {@link java.sql.Types}
 * code, the database's own type name, its size (characters for strings, digits for numbers) and nullability.
 */
public record ColumnInfo(String name, int jdbcType, String typeName, int size, boolean nullable) {
}
