package io.sluice.jdbc.source;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A result set's columns as a Connect struct schema, and its rows as structs. DECIMAL/NUMERIC become
 * {@link Decimal} (or narrower types per {@code numeric.mapping}); DATE, TIME and TIMESTAMP become Connect's
 * logical types in UTC, reading values without a time zone as written in {@code db.timezone}; a column the
 * database says may be NULL is an optional field. Columns of types Connect cannot carry (arrays, structs) are
 * left out with a warning, as Confluent's connector does.
 */
final class SchemaMapping {
    private static final Logger log = LoggerFactory.getLogger(SchemaMapping.class);
    private static final long MILLIS_PER_DAY = 86_400_000L;

    @FunctionalInterface
    private interface Reader {
        Object read(ResultSet rs, int column) throws SQLException;
    }

    private record Column(int index, String field, Reader reader) {
    }

    private final Schema schema;
    private final List<Column> columns;

    private SchemaMapping(Schema schema, List<Column> columns) {
        this.schema = schema;
        this.columns = columns;
    }

    /** @param schemaName the struct's name (the table's, as Confluent does), or null in query mode */
    static SchemaMapping of(String schemaName, ResultSetMetaData metadata, NumericMapping numeric, ZoneId zone)
            throws SQLException {
        SchemaBuilder struct = SchemaBuilder.struct();
        if (schemaName != null) {
            struct.name(schemaName);
        }
        List<Column> columns = new ArrayList<>();
        for (int i = 1; i <= metadata.getColumnCount(); i++) {
            String field = metadata.getColumnLabel(i);
            boolean optional = metadata.isNullable(i) != ResultSetMetaData.columnNoNulls;
            Mapped mapped = map(metadata, i, numeric, zone);
            if (mapped == null) {
                log.warn("Column {} ({}) has a type Connect cannot carry; it is left out", field,
                        metadata.getColumnTypeName(i));
                continue;
            }
            if (optional) {
                mapped.schema().optional();
            }
            struct.field(field, mapped.schema().build());
            columns.add(new Column(i, field, mapped.reader()));
        }
        return new SchemaMapping(struct.build(), columns);
    }

    private record Mapped(SchemaBuilder schema, Reader reader) {
    }

    private static Mapped map(ResultSetMetaData metadata, int i, NumericMapping numeric, ZoneId zone)
            throws SQLException {
        int type = metadata.getColumnType(i);
        String typeName = String.valueOf(metadata.getColumnTypeName(i)).toLowerCase(Locale.ROOT);
        switch (type) {
            case Types.BOOLEAN, Types.BIT -> {
                return new Mapped(SchemaBuilder.bool(), nullable(ResultSet::getBoolean));
            }
            case Types.TINYINT -> {
                return new Mapped(SchemaBuilder.int8(), nullable(ResultSet::getByte));
            }
            case Types.SMALLINT -> {
                return new Mapped(SchemaBuilder.int16(), nullable(ResultSet::getShort));
            }
            case Types.INTEGER -> {
                return new Mapped(SchemaBuilder.int32(), nullable(ResultSet::getInt));
            }
            case Types.BIGINT -> {
                return new Mapped(SchemaBuilder.int64(), nullable(ResultSet::getLong));
            }
            case Types.REAL -> {
                return new Mapped(SchemaBuilder.float32(), nullable(ResultSet::getFloat));
            }
            case Types.FLOAT, Types.DOUBLE -> {
                return new Mapped(SchemaBuilder.float64(), nullable(ResultSet::getDouble));
            }
            case Types.NUMERIC, Types.DECIMAL -> {
                return numericField(metadata.getPrecision(i), metadata.getScale(i), numeric,
                        metadata.getColumnLabel(i));
            }
            case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR, Types.LONGNVARCHAR,
                 Types.CLOB, Types.NCLOB, Types.OTHER, Types.SQLXML -> {
                // OTHER: PostgreSQL's uuid, json, jsonb, enums — their text form is what users expect.
                return new Mapped(SchemaBuilder.string(), ResultSet::getString);
            }
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> {
                return new Mapped(SchemaBuilder.bytes(), ResultSet::getBytes);
            }
            case Types.DATE -> {
                return new Mapped(Date.builder(), (rs, c) -> {
                    LocalDate date = rs.getObject(c, LocalDate.class);
                    return date == null ? null : new java.util.Date(date.toEpochDay() * MILLIS_PER_DAY);
                });
            }
            case Types.TIME, Types.TIME_WITH_TIMEZONE -> {
                boolean withZone = type == Types.TIME_WITH_TIMEZONE || typeName.contains("tz")
                        || typeName.contains("with time zone");
                return new Mapped(Time.builder(), (rs, c) -> {
                    LocalTime time = withZone ? utcTime(rs.getObject(c, OffsetTime.class))
                            : rs.getObject(c, LocalTime.class);
                    return time == null ? null : new java.util.Date(time.toNanoOfDay() / 1_000_000L);
                });
            }
            case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> {
                boolean withZone = hasZone(type, typeName);
                return new Mapped(Timestamp.builder(), (rs, c) -> {
                    Instant instant = instant(rs, c, withZone, zone);
                    return instant == null ? null : java.util.Date.from(instant);
                });
            }
            default -> {
                return null;
            }
        }
    }

    private static Mapped numericField(int precision, int scale, NumericMapping numeric, String column) {
        boolean unknownPrecision = precision <= 0;
        if (numeric != NumericMapping.NONE && scale == 0 && !unknownPrecision && precision < 19) {
            if (precision < 3) {
                return new Mapped(SchemaBuilder.int8(), nullable(ResultSet::getByte));
            } else if (precision < 5) {
                return new Mapped(SchemaBuilder.int16(), nullable(ResultSet::getShort));
            } else if (precision < 10) {
                return new Mapped(SchemaBuilder.int32(), nullable(ResultSet::getInt));
            }
            return new Mapped(SchemaBuilder.int64(), nullable(ResultSet::getLong));
        }
        boolean toDouble = (numeric == NumericMapping.BEST_FIT && (unknownPrecision || (scale > 0 && precision < 19)))
                || (numeric == NumericMapping.BEST_FIT_EAGER_DOUBLE && (unknownPrecision || scale > 0));
        if (toDouble) {
            return new Mapped(SchemaBuilder.float64(), nullable(ResultSet::getDouble));
        }
        if (unknownPrecision) {
            // An unconstrained NUMERIC (PostgreSQL) has no fixed scale, which a Connect Decimal needs: its exact
            // text form loses nothing.
            return new Mapped(SchemaBuilder.string(), (rs, c) -> {
                BigDecimal value = rs.getBigDecimal(c);
                return value == null ? null : value.toPlainString();
            });
        }
        int fixedScale = Math.max(scale, 0);
        return new Mapped(Decimal.builder(fixedScale), (rs, c) -> {
            BigDecimal value = rs.getBigDecimal(c);
            if (value == null) {
                return null;
            }
            try {
                return value.setScale(fixedScale, RoundingMode.UNNECESSARY);
            } catch (ArithmeticException e) {
                throw new DataException("Column " + column + " value " + value + " does not fit scale "
                        + fixedScale);
            }
        });
    }

    /** A reader for a primitive getter, which returns 0/false for NULL. */
    private static Reader nullable(Reader primitive) {
        return (rs, c) -> {
            Object value = primitive.read(rs, c);
            return rs.wasNull() ? null : value;
        };
    }

    private static LocalTime utcTime(OffsetTime time) {
        return time == null ? null : time.withOffsetSameInstant(ZoneOffset.UTC).toLocalTime();
    }

    static boolean hasZone(int type, String typeName) {
        String name = typeName.toLowerCase(Locale.ROOT);
        // PostgreSQL's driver reports timestamptz as TIMESTAMP; its type name tells.
        return type == Types.TIMESTAMP_WITH_TIMEZONE || name.contains("tz") || name.contains("with time zone");
    }

    /** A TIMESTAMP column's value as an instant: with its own offset, or as local time in {@code zone}. */
    static Instant instant(ResultSet rs, int column, boolean withZone, ZoneId zone) throws SQLException {
        if (withZone) {
            OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
            return value == null ? null : value.toInstant();
        }
        LocalDateTime value = rs.getObject(column, LocalDateTime.class);
        return value == null ? null : value.atZone(zone).toInstant();
    }

    Schema schema() {
        return schema;
    }

    Struct toStruct(ResultSet rs) throws SQLException {
        Struct struct = new Struct(schema);
        for (Column column : columns) {
            struct.put(column.field(), column.reader().read(rs, column.index()));
        }
        return struct;
    }
}
