package io.sluice.jdbc.dialect;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.ConnectException;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How the sink writes to one kind of database: Connect types to SQL types for DDL, the statements for insert,
 * upsert, update and delete, and binding Connect values to statement parameters. This base class speaks standard
 * SQL; a database overrides what it does differently (its upsert above all, which SQL never standardised in a form
 * every database accepts).
 */
public abstract class Dialect {
    /** Broad kinds of column, to tell a record that cannot fit a column from one the database will convert. */
    enum Kind { NUMBER, STRING, BOOLEAN, BINARY, TEMPORAL, OTHER }

    private final boolean quoteIdentifiers;

    protected Dialect(boolean quoteIdentifiers) {
        this.quoteIdentifiers = quoteIdentifiers;
    }

    /** The name {@code dialect.name} accepts for this dialect. */
    public abstract String name();

    public String quote(String identifier) {
        return quoteIdentifiers ? "\"" + identifier.replace("\"", "\"\"") + "\"" : identifier;
    }

    public boolean quotesIdentifiers() {
        return quoteIdentifiers;
    }

    public String quote(TableId table) {
        return table.schema() == null ? quote(table.table()) : quote(table.schema()) + "." + quote(table.table());
    }

    /** The SQL type a column created for values of {@code schema} gets. */
    public String sqlType(Schema schema) {
        String logical = schema.name();
        if (Decimal.LOGICAL_NAME.equals(logical)) {
            return decimalType(Integer.parseInt(schema.parameters().get(Decimal.SCALE_FIELD)));
        }
        if (Date.LOGICAL_NAME.equals(logical)) {
            return "DATE";
        }
        if (Time.LOGICAL_NAME.equals(logical)) {
            return "TIME";
        }
        if (Timestamp.LOGICAL_NAME.equals(logical)) {
            return "TIMESTAMP";
        }
        return switch (schema.type()) {
            case INT8, INT16 -> "SMALLINT";
            case INT32 -> "INTEGER";
            case INT64 -> "BIGINT";
            case FLOAT32 -> "REAL";
            case FLOAT64 -> "DOUBLE PRECISION";
            case BOOLEAN -> "BOOLEAN";
            case STRING -> stringType();
            case BYTES -> bytesType();
            default -> throw new ConnectException("Cannot store values of type " + schema.type()
                    + " in a column: only primitive types and Decimal/Date/Time/Timestamp map to SQL columns");
        };
    }

    protected String decimalType(int scale) {
        return "DECIMAL(38," + scale + ")";
    }

    protected String stringType() {
        return "VARCHAR(4000)";
    }

    protected String bytesType() {
        return "VARBINARY(4000)";
    }

    /** The {@link Types} code of {@code schema}'s values, for {@code setNull}. */
    public int jdbcType(Schema schema) {
        String logical = schema.name();
        if (Decimal.LOGICAL_NAME.equals(logical)) {
            return Types.DECIMAL;
        }
        if (Date.LOGICAL_NAME.equals(logical)) {
            return Types.DATE;
        }
        if (Time.LOGICAL_NAME.equals(logical)) {
            return Types.TIME;
        }
        if (Timestamp.LOGICAL_NAME.equals(logical)) {
            return Types.TIMESTAMP;
        }
        return switch (schema.type()) {
            case INT8 -> Types.TINYINT;
            case INT16 -> Types.SMALLINT;
            case INT32 -> Types.INTEGER;
            case INT64 -> Types.BIGINT;
            case FLOAT32 -> Types.REAL;
            case FLOAT64 -> Types.DOUBLE;
            case BOOLEAN -> Types.BOOLEAN;
            case STRING -> Types.VARCHAR;
            case BYTES -> Types.VARBINARY;
            default -> Types.OTHER;
        };
    }

    /** Binds {@code value} (of {@code schema}) to parameter {@code index}; times are written in {@code zone}. */
    public void bind(PreparedStatement statement, int index, Schema schema, Object value, Calendar zone)
            throws SQLException {
        if (value == null) {
            statement.setNull(index, jdbcType(schema));
            return;
        }
        String logical = schema.name();
        if (Decimal.LOGICAL_NAME.equals(logical)) {
            statement.setBigDecimal(index, (BigDecimal) value);
            return;
        }
        if (Date.LOGICAL_NAME.equals(logical)) {
            statement.setDate(index, new java.sql.Date(((java.util.Date) value).getTime()), zone);
            return;
        }
        if (Time.LOGICAL_NAME.equals(logical)) {
            statement.setTime(index, new java.sql.Time(((java.util.Date) value).getTime()), zone);
            return;
        }
        if (Timestamp.LOGICAL_NAME.equals(logical)) {
            statement.setTimestamp(index, new java.sql.Timestamp(((java.util.Date) value).getTime()), zone);
            return;
        }
        switch (schema.type()) {
            case INT8 -> statement.setShort(index, (Byte) value);
            case INT16 -> statement.setShort(index, (Short) value);
            case INT32 -> statement.setInt(index, (Integer) value);
            case INT64 -> statement.setLong(index, (Long) value);
            case FLOAT32 -> statement.setFloat(index, (Float) value);
            case FLOAT64 -> statement.setDouble(index, (Double) value);
            case BOOLEAN -> statement.setBoolean(index, (Boolean) value);
            case STRING -> statement.setString(index, (String) value);
            case BYTES -> statement.setBytes(index,
                    value instanceof ByteBuffer buffer ? bytes(buffer) : (byte[]) value);
            default -> throw new ConnectException("Cannot bind a value of type " + schema.type());
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /**
     * Why values of {@code schema} cannot go into {@code column}, or null when they can (or the database decides:
     * columns of kinds this class does not know are left to it).
     */
    public String misfit(ColumnInfo column, Schema schema) {
        Kind columnKind = kind(column.jdbcType());
        Kind valueKind = kind(jdbcType(schema));
        if (columnKind == Kind.OTHER || valueKind == Kind.OTHER || columnKind == valueKind) {
            return null;
        }
        return "column " + column.name() + " is " + column.typeName() + " but the record's field is "
                + (schema.name() != null ? schema.name() : schema.type());
    }

    static Kind kind(int jdbcType) {
        return switch (jdbcType) {
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT, Types.REAL, Types.FLOAT, Types.DOUBLE,
                 Types.NUMERIC, Types.DECIMAL -> Kind.NUMBER;
            case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR, Types.LONGNVARCHAR,
                 Types.CLOB, Types.NCLOB -> Kind.STRING;
            case Types.BOOLEAN, Types.BIT -> Kind.BOOLEAN;
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> Kind.BINARY;
            case Types.DATE, Types.TIME, Types.TIMESTAMP, Types.TIME_WITH_TIMEZONE, Types.TIMESTAMP_WITH_TIMEZONE ->
                    Kind.TEMPORAL;
            default -> Kind.OTHER;
        };
    }

    /**
     * The wider SQL type {@code column} must take to hold values of {@code schema} (the longest string among them
     * {@code longestString} characters), or null when it holds them already or cannot be widened in place.
     */
    public String widening(ColumnInfo column, Schema schema, int longestString) {
        if (schema.name() != null) {
            return null;
        }
        int rank = switch (column.jdbcType()) {
            case Types.TINYINT -> 1;
            case Types.SMALLINT -> 2;
            case Types.INTEGER -> 3;
            default -> 0;
        };
        switch (schema.type()) {
            case INT16:
                return rank == 1 ? sqlType(schema) : null;
            case INT32:
                return rank == 1 || rank == 2 ? sqlType(schema) : null;
            case INT64:
                return rank > 0 ? sqlType(schema) : null;
            case FLOAT64:
                return column.jdbcType() == Types.REAL ? sqlType(schema) : null;
            case STRING:
                boolean bounded = column.jdbcType() == Types.VARCHAR || column.jdbcType() == Types.CHAR
                        || column.jdbcType() == Types.NVARCHAR;
                return bounded && column.size() > 0 && longestString > column.size() ? stringType() : null;
            default:
                return null;
        }
    }

    public String createTable(TableId table, List<ColumnSpec> keys, List<ColumnSpec> values) {
        List<String> columns = new ArrayList<>();
        for (ColumnSpec key : keys) {
            columns.add(quote(key.name()) + " " + sqlType(key.schema()) + " NOT NULL");
        }
        for (ColumnSpec value : values) {
            columns.add(columnDefinition(value));
        }
        if (!keys.isEmpty()) {
            columns.add("PRIMARY KEY(" + names(keys) + ")");
        }
        return "CREATE TABLE " + quote(table) + " (" + String.join(", ", columns) + ")";
    }

    private String columnDefinition(ColumnSpec column) {
        Schema schema = column.schema();
        StringBuilder sql = new StringBuilder(quote(column.name())).append(' ').append(sqlType(schema));
        if (schema.defaultValue() != null) {
            String literal = literal(schema.defaultValue());
            if (literal != null) {
                sql.append(" DEFAULT ").append(literal);
            }
        }
        sql.append(schema.isOptional() ? " NULL" : " NOT NULL");
        return sql.toString();
    }

    private static String literal(Object value) {
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof String s) {
            return "'" + s.replace("'", "''") + "'";
        }
        return null;
    }

    public String addColumn(TableId table, ColumnSpec column) {
        return "ALTER TABLE " + quote(table) + " ADD COLUMN " + columnDefinition(column);
    }

    public String alterColumnType(TableId table, String column, String sqlType) {
        return "ALTER TABLE " + quote(table) + " ALTER COLUMN " + quote(column) + " SET DATA TYPE " + sqlType;
    }

    /** INSERT with parameters in the order keys, then values. */
    public String insert(TableId table, List<ColumnSpec> keys, List<ColumnSpec> values) {
        List<ColumnSpec> all = concat(keys, values);
        return "INSERT INTO " + quote(table) + "(" + names(all) + ") VALUES(" + marks(all.size()) + ")";
    }

    /** Insert-or-replace with parameters in the order keys, then values. */
    public String upsert(TableId table, List<ColumnSpec> keys, List<ColumnSpec> values) {
        throw new ConnectException("insert.mode=upsert is not supported by dialect " + name()
                + "; use insert.mode=insert or update, or a database with a dialect (H2, PostgreSQL)");
    }

    /** UPDATE with parameters in the order values, then keys. */
    public String update(TableId table, List<ColumnSpec> keys, List<ColumnSpec> values) {
        return "UPDATE " + quote(table) + " SET " + values.stream().map(v -> quote(v.name()) + "=?")
                .collect(Collectors.joining(", ")) + " WHERE " + where(keys);
    }

    public String delete(TableId table, List<ColumnSpec> keys) {
        return "DELETE FROM " + quote(table) + " WHERE " + where(keys);
    }

    private String where(List<ColumnSpec> keys) {
        return keys.stream().map(k -> quote(k.name()) + "=?").collect(Collectors.joining(" AND "));
    }

    protected String names(List<ColumnSpec> columns) {
        return columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
    }

    protected static String marks(int count) {
        return String.join(", ", java.util.Collections.nCopies(count, "?"));
    }

    protected static List<ColumnSpec> concat(List<ColumnSpec> a, List<ColumnSpec> b) {
        List<ColumnSpec> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Override
    public String toString() {
        return name();
    }
}
