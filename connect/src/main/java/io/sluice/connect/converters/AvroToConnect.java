package io.sluice.connect.converters;

import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.sluice.connect.converters.AvroNames.*;

/**
 * Avro schemas and generic values to Connect, undoing {@link ConnectToAvro} and reading schemas written by anyone
 * else: {@code connect.*} properties restore the Connect name, version, doc, parameters and 8/16-bit integers;
 * Avro's logical types become Connect's; a union of null and one type is an optional schema; a union of several
 * types a struct named {@code io.confluent.connect.avro.Union}; an enum a string carrying its symbols as parameters.
 * Recursive Avro records are refused with a {@link DataException}.
 */
final class AvroToConnect {

    /** @throws DataException for a recursive Avro schema, which no Connect schema can express */
    Schema schema(org.apache.avro.Schema avro) {
        requireNotRecursive(avro, new HashSet<>());
        return builder(avro, false, null).build();
    }

    private static void requireNotRecursive(org.apache.avro.Schema avro, Set<String> enclosing) {
        switch (avro.getType()) {
            case RECORD -> {
                if (!enclosing.add(avro.getFullName())) {
                    throw new DataException("Avro record " + avro.getFullName() + " contains itself; recursive "
                            + "schemas have no Connect equivalent");
                }
                for (org.apache.avro.Schema.Field field : avro.getFields()) {
                    requireNotRecursive(field.schema(), enclosing);
                }
                enclosing.remove(avro.getFullName());
            }
            case UNION -> avro.getTypes().forEach(t -> requireNotRecursive(t, enclosing));
            case ARRAY -> requireNotRecursive(avro.getElementType(), enclosing);
            case MAP -> requireNotRecursive(avro.getValueType(), enclosing);
            default -> {
            }
        }
    }

    /** @param defaultValue the Avro default of the field this schema belongs to, or null */
    private SchemaBuilder builder(org.apache.avro.Schema avro, boolean optional, Object defaultValue) {
        SchemaBuilder builder;
        switch (avro.getType()) {
            case UNION -> {
                return union(avro, optional, defaultValue);
            }
            case NULL -> throw new DataException("A Connect schema cannot be only null: " + avro);
            case BOOLEAN -> builder = SchemaBuilder.bool();
            case INT -> builder = integer(avro);
            case LONG -> builder = avro.getLogicalType() instanceof LogicalTypes.TimestampMillis
                    ? Timestamp.builder() : SchemaBuilder.int64();
            case FLOAT -> builder = SchemaBuilder.float32();
            case DOUBLE -> builder = SchemaBuilder.float64();
            case STRING -> builder = SchemaBuilder.string();
            case BYTES -> builder = bytes(avro);
            case FIXED -> {
                builder = bytes(avro);
                builder.parameter(FIXED_SIZE, String.valueOf(avro.getFixedSize()));
            }
            case ENUM -> {
                builder = SchemaBuilder.string();
                builder.parameter(ENUM, avro.getFullName());
                for (String symbol : avro.getEnumSymbols()) {
                    builder.parameter(ENUM + "." + symbol, symbol);
                }
            }
            case ARRAY -> builder = array(avro);
            case MAP -> builder = SchemaBuilder.map(Schema.STRING_SCHEMA, builder(avro.getValueType(), false, null).build());
            case RECORD -> builder = struct(avro);
            default -> throw new DataException("Unsupported Avro type " + avro.getType());
        }
        addMetaData(avro, builder);
        if (optional) {
            builder.optional();
        }
        if (defaultValue != null) {
            builder.defaultValue(value(builder, avro, defaultValue));
        }
        return builder;
    }

    private SchemaBuilder integer(org.apache.avro.Schema avro) {
        LogicalType logical = avro.getLogicalType();
        if (logical instanceof LogicalTypes.Date) {
            return Date.builder();
        }
        if (logical instanceof LogicalTypes.TimeMillis) {
            return Time.builder();
        }
        String connectType = avro.getProp(CONNECT_TYPE);
        if (INT8.equals(connectType)) {
            return SchemaBuilder.int8();
        }
        if (INT16.equals(connectType)) {
            return SchemaBuilder.int16();
        }
        return SchemaBuilder.int32();
    }

    private static SchemaBuilder bytes(org.apache.avro.Schema avro) {
        if (avro.getLogicalType() instanceof LogicalTypes.Decimal decimal) {
            SchemaBuilder builder = Decimal.builder(decimal.getScale());
            // the default precision is implied, so a Connect Decimal survives a round trip unchanged
            if (decimal.getPrecision() != DEFAULT_DECIMAL_PRECISION) {
                builder.parameter(DECIMAL_PRECISION, String.valueOf(decimal.getPrecision()));
            }
            return builder;
        }
        if ("decimal".equals(avro.getProp(LOGICAL_TYPE)) && avro.getObjectProp("scale") instanceof Number scale) {
            // a decimal Avro's library refuses (scale above precision): still a Connect Decimal
            SchemaBuilder builder = Decimal.builder(scale.intValue());
            if (avro.getObjectProp("precision") instanceof Number precision) {
                builder.parameter(DECIMAL_PRECISION, String.valueOf(precision.intValue()));
            }
            return builder;
        }
        return SchemaBuilder.bytes();
    }

    private SchemaBuilder array(org.apache.avro.Schema avro) {
        org.apache.avro.Schema element = avro.getElementType();
        if (isMapEntry(element)) {
            SchemaBuilder map = SchemaBuilder.map(builder(element.getField(KEY_FIELD).schema(), false, null).build(),
                    builder(element.getField(VALUE_FIELD).schema(), false, null).build());
            if (MAP_ENTRY.equals(element.getProp(CONNECT_INTERNAL_TYPE))) {
                map.name(element.getFullName());
            }
            return map;
        }
        return SchemaBuilder.array(builder(element, false, null).build());
    }

    private static boolean isMapEntry(org.apache.avro.Schema element) {
        return element.getType() == org.apache.avro.Schema.Type.RECORD
                && (MAP_ENTRY.equals(element.getProp(CONNECT_INTERNAL_TYPE))
                || (NAMESPACE + "." + MAP_ENTRY).equals(element.getFullName()))
                && element.getFields().size() == 2
                && element.getField(KEY_FIELD) != null && element.getField(VALUE_FIELD) != null;
    }

    private SchemaBuilder struct(org.apache.avro.Schema avro) {
        SchemaBuilder struct = SchemaBuilder.struct();
        if (!DEFAULT_RECORD_FULL_NAME.matcher(avro.getFullName()).matches()) {
            struct.name(avro.getFullName());
        }
        for (org.apache.avro.Schema.Field field : avro.getFields()) {
            Object fieldDefault = field.hasDefaultValue() ? GenericData.get().getDefaultValue(field) : null;
            struct.field(field.name(), builder(field.schema(), false, fieldDefault).build());
        }
        return struct;
    }

    private SchemaBuilder union(org.apache.avro.Schema avro, boolean optional, Object defaultValue) {
        List<org.apache.avro.Schema> branches = new ArrayList<>();
        boolean hasNull = false;
        for (org.apache.avro.Schema branch : avro.getTypes()) {
            if (branch.getType() == org.apache.avro.Schema.Type.NULL) {
                hasNull = true;
            } else {
                branches.add(branch);
            }
        }
        if (branches.size() == 1) {
            return builder(branches.get(0), optional || hasNull, defaultValue);
        }
        SchemaBuilder struct = SchemaBuilder.struct().name(UNION);
        for (org.apache.avro.Schema branch : branches) {
            struct.field(branch.getName(), builder(branch, true, null).build());
        }
        return hasNull || optional ? struct.optional() : struct;
    }

    private static void addMetaData(org.apache.avro.Schema avro, SchemaBuilder builder) {
        String name = avro.getProp(CONNECT_NAME);
        if (name != null && builder.name() == null) {
            builder.name(name);
        }
        String doc = avro.getProp(CONNECT_DOC);
        if (doc == null && avro.getType() == org.apache.avro.Schema.Type.RECORD) {
            doc = avro.getDoc();
        }
        if (doc != null) {
            builder.doc(doc);
        }
        if (avro.getObjectProp(CONNECT_VERSION) instanceof Number version) {
            builder.version(version.intValue());
        }
        if (avro.getObjectProp(CONNECT_PARAMETERS) instanceof Map<?, ?> parameters) {
            parameters.forEach((k, v) -> builder.parameter(String.valueOf(k), String.valueOf(v)));
        }
    }

    /** An Avro generic value of {@code avro} as a Connect value of {@code connect}. */
    Object value(Schema connect, org.apache.avro.Schema avro, Object value) {
        if (value == null) {
            return null;
        }
        if (avro.getType() == org.apache.avro.Schema.Type.UNION) {
            org.apache.avro.Schema branch = avro.getTypes().get(GenericData.get().resolveUnion(avro, value));
            if (UNION.equals(connect.name())) {
                Struct struct = new Struct(connect);
                Field field = connect.field(branch.getName());
                struct.put(field, value(field.schema(), branch, value));
                return struct;
            }
            return value(connect, branch, value);
        }
        try {
            return switch (connect.type()) {
                case INT8 -> ((Number) value).byteValue();
                case INT16 -> ((Number) value).shortValue();
                case INT32 -> connect.name() == null ? value : rawToLogical(connect, value);
                case INT64 -> connect.name() == null ? value : rawToLogical(connect, value);
                case FLOAT32, FLOAT64, BOOLEAN -> value;
                case STRING -> value.toString();
                case BYTES -> rawToLogical(connect, value instanceof GenericFixed fixed ? fixed.bytes()
                        : bytes((ByteBuffer) value));
                case ARRAY -> array(connect, avro, (Collection<?>) value);
                case MAP -> map(connect, avro, value);
                case STRUCT -> struct(connect, avro, (IndexedRecord) value);
            };
        } catch (ClassCastException e) {
            throw new DataException("Invalid Avro value for Connect type " + connect.type() + ": " + value.getClass(), e);
        }
    }

    private List<Object> array(Schema connect, org.apache.avro.Schema avro, Collection<?> values) {
        List<Object> out = new ArrayList<>(values.size());
        for (Object element : values) {
            out.add(value(connect.valueSchema(), avro.getElementType(), element));
        }
        return out;
    }

    private Map<Object, Object> map(Schema connect, org.apache.avro.Schema avro, Object value) {
        Map<Object, Object> out = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> out.put(k.toString(), value(connect.valueSchema(), avro.getValueType(), v)));
        } else {
            org.apache.avro.Schema entry = avro.getElementType();
            for (Object element : (Collection<?>) value) {
                IndexedRecord record = (IndexedRecord) element;
                out.put(value(connect.keySchema(), entry.getField(KEY_FIELD).schema(), record.get(0)),
                        value(connect.valueSchema(), entry.getField(VALUE_FIELD).schema(), record.get(1)));
            }
        }
        return out;
    }

    private Struct struct(Schema connect, org.apache.avro.Schema avro, IndexedRecord record) {
        Struct struct = new Struct(connect);
        for (Field field : connect.fields()) {
            org.apache.avro.Schema.Field avroField = avro.getField(field.name());
            struct.put(field, value(field.schema(), avroField.schema(), record.get(avroField.pos())));
        }
        return struct;
    }

    private static Object rawToLogical(Schema connect, Object raw) {
        if (connect.name() == null) {
            return raw;
        }
        return switch (connect.name()) {
            case Decimal.LOGICAL_NAME -> Decimal.toLogical(connect, (byte[]) raw);
            case Date.LOGICAL_NAME -> Date.toLogical(connect, (Integer) raw);
            case Time.LOGICAL_NAME -> Time.toLogical(connect, (Integer) raw);
            case Timestamp.LOGICAL_NAME -> Timestamp.toLogical(connect, (Long) raw);
            default -> raw;
        };
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
