package io.sluice.connect.converters;

import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.sluice.connect.converters.AvroNames.*;

/**
 * Connect schemas and values to Avro, the way Confluent's converter maps them: optional schemas become unions with
 * null (null first, or second when the schema has a non-null default), INT8/INT16 become {@code int} tagged with
 * {@code connect.type}, logical types become Avro's ({@code decimal}, {@code date}, {@code time-millis},
 * {@code timestamp-millis}), maps with non-string keys become arrays of {@code MapEntry} records, and the Connect
 * name, version, doc and parameters ride along as {@code connect.*} properties.
 *
 * <p>Values are converted against an Avro schema rather than derived from the Connect one alone, so a value can be
 * written with a registered schema that differs from its own ({@code use.latest.version}): record fields are
 * matched by name, and a field the value lacks takes the Avro default.
 */
final class ConnectToAvro {
    private final boolean connectMetaData;
    private final Map<Schema, org.apache.avro.Schema> cache;

    ConnectToAvro(boolean connectMetaData, int cacheSize) {
        this.connectMetaData = connectMetaData;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Schema, org.apache.avro.Schema> eldest) {
                return size() > cacheSize;
            }
        };
    }

    org.apache.avro.Schema schema(Schema connect) {
        synchronized (cache) {
            org.apache.avro.Schema cached = cache.get(connect);
            if (cached == null) {
                cached = new Build().schema(connect, false);
                cache.put(connect, cached);
            }
            return cached;
        }
    }

    /** One conversion: numbers the unnamed records, which Avro forbids to share a name. */
    private final class Build {
        private int unnamed;

        org.apache.avro.Schema schema(Schema connect, boolean ignoreOptional) {
            String connectType = null;
            org.apache.avro.Schema base;
            switch (connect.type()) {
                case INT8 -> {
                    connectType = INT8;
                    base = primitive(org.apache.avro.Schema.Type.INT);
                }
                case INT16 -> {
                    connectType = INT16;
                    base = primitive(org.apache.avro.Schema.Type.INT);
                }
                case INT32 -> base = primitive(org.apache.avro.Schema.Type.INT);
                case INT64 -> base = primitive(org.apache.avro.Schema.Type.LONG);
                case FLOAT32 -> base = primitive(org.apache.avro.Schema.Type.FLOAT);
                case FLOAT64 -> base = primitive(org.apache.avro.Schema.Type.DOUBLE);
                case BOOLEAN -> base = primitive(org.apache.avro.Schema.Type.BOOLEAN);
                case STRING -> base = primitive(org.apache.avro.Schema.Type.STRING);
                case BYTES -> base = primitive(org.apache.avro.Schema.Type.BYTES);
                case ARRAY -> base = org.apache.avro.Schema.createArray(schema(connect.valueSchema(), false));
                case MAP -> base = map(connect);
                case STRUCT -> {
                    if (UNION.equals(connect.name())) {
                        return union(connect);
                    }
                    base = record(connect);
                }
                default -> throw new DataException("Unknown Connect schema type " + connect.type());
            }
            if (connectMetaData) {
                addMetaData(connect, base, connectType);
            }
            addLogicalType(connect, base);
            if (connect.isOptional() && !ignoreOptional) {
                org.apache.avro.Schema nullSchema = primitive(org.apache.avro.Schema.Type.NULL);
                // Avro takes a field's default from the union's first branch, so a non-null default goes first
                return org.apache.avro.Schema.createUnion(connect.defaultValue() != null
                        ? List.of(base, nullSchema) : List.of(nullSchema, base));
            }
            return base;
        }

        private org.apache.avro.Schema map(Schema connect) {
            Schema keySchema = connect.keySchema();
            if (keySchema.type() == Schema.Type.STRING && !keySchema.isOptional()) {
                return org.apache.avro.Schema.createMap(schema(connect.valueSchema(), false));
            }
            org.apache.avro.Schema entry;
            if (connect.name() == null) {
                entry = org.apache.avro.Schema.createRecord(MAP_ENTRY, null, NAMESPACE, false);
            } else {
                String[] split = split(connect.name());
                entry = org.apache.avro.Schema.createRecord(split[1], null, split[0], false);
                entry.addProp(CONNECT_INTERNAL_TYPE, MAP_ENTRY);
            }
            entry.setFields(List.of(field(KEY_FIELD, keySchema), field(VALUE_FIELD, connect.valueSchema())));
            return org.apache.avro.Schema.createArray(entry);
        }

        private org.apache.avro.Schema record(Schema connect) {
            String namespace = NAMESPACE;
            String name = DEFAULT_RECORD_NAME + (unnamed++ == 0 ? "" : String.valueOf(unnamed));
            if (connect.name() != null) {
                String[] split = split(connect.name());
                namespace = split[0];
                name = split[1];
            }
            // Confluent keeps the Connect doc in connect.doc only; the record's own doc stays empty
            org.apache.avro.Schema record = org.apache.avro.Schema.createRecord(name, null, namespace, false);
            List<org.apache.avro.Schema.Field> fields = new ArrayList<>();
            for (Field field : connect.fields()) {
                fields.add(field(field.name(), field.schema()));
            }
            record.setFields(fields);
            return record;
        }

        private org.apache.avro.Schema union(Schema connect) {
            List<org.apache.avro.Schema> branches = new ArrayList<>();
            if (connect.isOptional()) {
                branches.add(primitive(org.apache.avro.Schema.Type.NULL));
            }
            for (Field field : connect.fields()) {
                branches.add(schema(field.schema(), true));
            }
            return org.apache.avro.Schema.createUnion(branches);
        }

        private org.apache.avro.Schema.Field field(String name, Schema connect) {
            Object defaultValue = null;
            if (connect.defaultValue() != null) {
                defaultValue = jsonDefault(connect, connect.defaultValue());
            } else if (connect.isOptional()) {
                defaultValue = JsonProperties.NULL_VALUE;
            }
            return new org.apache.avro.Schema.Field(name, schema(connect, false), null, defaultValue);
        }
    }

    private void addMetaData(Schema connect, org.apache.avro.Schema base, String connectType) {
        if (connect.doc() != null) {
            base.addProp(CONNECT_DOC, connect.doc());
        }
        if (connect.version() != null) {
            base.addProp(CONNECT_VERSION, connect.version());
        }
        if (connect.parameters() != null && !connect.parameters().isEmpty()) {
            base.addProp(CONNECT_PARAMETERS, new LinkedHashMap<>(connect.parameters()));
        }
        if (connect.defaultValue() != null) {
            base.addProp(CONNECT_DEFAULT, jsonDefault(connect, connect.defaultValue()));
        }
        if (connect.name() != null) {
            base.addProp(CONNECT_NAME, connect.name());
        }
        if (connectType != null) {
            base.addProp(CONNECT_TYPE, connectType);
        }
    }

    private static void addLogicalType(Schema connect, org.apache.avro.Schema base) {
        if (connect.name() == null) {
            return;
        }
        switch (connect.name()) {
            case Decimal.LOGICAL_NAME -> {
                int scale = Integer.parseInt(connect.parameters().get(Decimal.SCALE_FIELD));
                String p = connect.parameters().get(DECIMAL_PRECISION);
                int precision = p == null ? DEFAULT_DECIMAL_PRECISION : Integer.parseInt(p);
                if (scale >= 0 && scale <= precision) {
                    LogicalTypes.decimal(precision, scale).addToSchema(base);
                } else {
                    // Avro's decimal forbids these; keep the annotation as plain properties, as Confluent does
                    base.addProp(LOGICAL_TYPE, "decimal");
                    base.addProp("precision", precision);
                    base.addProp("scale", scale);
                }
            }
            case Date.LOGICAL_NAME -> LogicalTypes.date().addToSchema(base);
            case Time.LOGICAL_NAME -> LogicalTypes.timeMillis().addToSchema(base);
            case Timestamp.LOGICAL_NAME -> LogicalTypes.timestampMillis().addToSchema(base);
            default -> {
            }
        }
    }

    /** A Connect value (non-null) as Avro writes a default: JSON-like Java objects. */
    private static Object jsonDefault(Schema schema, Object value) {
        if (value == null) {
            return JsonProperties.NULL_VALUE;
        }
        switch (schema.type()) {
            case INT8, INT16 -> {
                return ((Number) value).intValue();
            }
            case INT32, INT64, BYTES -> {
                Object raw = logicalToRaw(schema, value);
                return raw instanceof ByteBuffer buffer ? bytes(buffer) : raw;
            }
            case ARRAY -> {
                List<Object> out = new ArrayList<>();
                for (Object element : (Collection<?>) value) {
                    out.add(jsonDefault(schema.valueSchema(), element));
                }
                return out;
            }
            case MAP -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                ((Map<?, ?>) value).forEach((k, v) -> out.put(String.valueOf(k), jsonDefault(schema.valueSchema(), v)));
                return out;
            }
            case STRUCT -> {
                Map<String, Object> out = new LinkedHashMap<>();
                Struct struct = (Struct) value;
                for (Field field : schema.fields()) {
                    out.put(field.name(), jsonDefault(field.schema(), struct.get(field)));
                }
                return out;
            }
            default -> {
                return value;
            }
        }
    }

    /**
     * {@code value} (valid for {@code connect}) as Avro's generic representation of {@code avro}.
     *
     * @throws DataException when the value does not fit the schemas
     */
    Object value(Schema connect, org.apache.avro.Schema avro, Object value) {
        if (value == null && connect != null && connect.defaultValue() != null) {
            value = connect.defaultValue();
        }
        if (avro.getType() == org.apache.avro.Schema.Type.UNION) {
            if (connect != null && UNION.equals(connect.name()) && value instanceof Struct struct) {
                return unionBranch(connect, avro, struct);
            }
            if (value == null) {
                if (avro.getTypes().stream().noneMatch(t -> t.getType() == org.apache.avro.Schema.Type.NULL)) {
                    throw new DataException("Found null value for a non-optional schema " + avro);
                }
                return null;
            }
            return value(connect, nonNullBranch(connect, avro), value);
        }
        if (value == null) {
            if (avro.getType() == org.apache.avro.Schema.Type.NULL) {
                return null;
            }
            throw new DataException("Found null value for a non-optional schema " + avro);
        }
        try {
            return switch (connect.type()) {
                case INT8, INT16 -> ((Number) value).intValue();
                case INT32, INT64 -> logicalToRaw(connect, value);
                case FLOAT32, FLOAT64, BOOLEAN -> value;
                case STRING -> avro.getType() == org.apache.avro.Schema.Type.ENUM
                        ? new GenericData.EnumSymbol(avro, value) : value.toString();
                case BYTES -> {
                    ByteBuffer buffer = (ByteBuffer) logicalToRaw(connect, value);
                    yield avro.getType() == org.apache.avro.Schema.Type.FIXED
                            ? new GenericData.Fixed(avro, bytes(buffer)) : buffer;
                }
                case ARRAY -> array(connect, avro, (Collection<?>) value);
                case MAP -> map(connect, avro, (Map<?, ?>) value);
                case STRUCT -> record(avro, (Struct) value);
            };
        } catch (ClassCastException e) {
            throw new DataException("Invalid Java object for schema type " + connect.type() + ": " + value.getClass(), e);
        }
    }

    private Object array(Schema connect, org.apache.avro.Schema avro, Collection<?> values) {
        requireType(avro, org.apache.avro.Schema.Type.ARRAY, connect);
        GenericData.Array<Object> out = new GenericData.Array<>(values.size(), avro);
        for (Object element : values) {
            out.add(value(connect.valueSchema(), avro.getElementType(), element));
        }
        return out;
    }

    private Object map(Schema connect, org.apache.avro.Schema avro, Map<?, ?> values) {
        if (avro.getType() == org.apache.avro.Schema.Type.MAP) {
            Map<String, Object> out = new LinkedHashMap<>();
            values.forEach((k, v) -> out.put(String.valueOf(k), value(connect.valueSchema(), avro.getValueType(), v)));
            return out;
        }
        requireType(avro, org.apache.avro.Schema.Type.ARRAY, connect);
        org.apache.avro.Schema entry = avro.getElementType();
        GenericData.Array<Object> out = new GenericData.Array<>(values.size(), avro);
        values.forEach((k, v) -> {
            GenericData.Record record = new GenericData.Record(entry);
            record.put(KEY_FIELD, value(connect.keySchema(), entry.getField(KEY_FIELD).schema(), k));
            record.put(VALUE_FIELD, value(connect.valueSchema(), entry.getField(VALUE_FIELD).schema(), v));
            out.add(record);
        });
        return out;
    }

    private Object record(org.apache.avro.Schema avro, Struct struct) {
        requireType(avro, org.apache.avro.Schema.Type.RECORD, struct.schema());
        GenericData.Record record = new GenericData.Record(avro);
        for (org.apache.avro.Schema.Field avroField : avro.getFields()) {
            Field field = struct.schema().field(avroField.name());
            if (field != null) {
                record.put(avroField.pos(), value(field.schema(), avroField.schema(), struct.get(field)));
            } else if (avroField.hasDefaultValue()) {
                record.put(avroField.pos(), GenericData.get().getDefaultValue(avroField));
            } else {
                throw new DataException("Field " + avroField.name() + " of Avro schema " + avro.getFullName()
                        + " has no default and is missing from the Connect struct " + struct.schema().name());
            }
        }
        return record;
    }

    private Object unionBranch(Schema connect, org.apache.avro.Schema avro, Struct struct) {
        List<org.apache.avro.Schema> branches = avro.getTypes().stream()
                .filter(t -> t.getType() != org.apache.avro.Schema.Type.NULL).toList();
        List<Field> fields = connect.fields();
        for (int i = 0; i < fields.size() && i < branches.size(); i++) {
            Object branchValue = struct.get(fields.get(i));
            if (branchValue != null) {
                return value(fields.get(i).schema(), branches.get(i), branchValue);
            }
        }
        return null;
    }

    /** The branch of an optional union for a non-null value: the one whose type fits the Connect schema. */
    private static org.apache.avro.Schema nonNullBranch(Schema connect, org.apache.avro.Schema union) {
        org.apache.avro.Schema only = null;
        for (org.apache.avro.Schema branch : union.getTypes()) {
            if (branch.getType() != org.apache.avro.Schema.Type.NULL) {
                if (fits(connect, branch)) {
                    return branch;
                }
                only = only == null ? branch : only;
            }
        }
        if (only == null) {
            throw new DataException("No non-null branch in Avro union " + union);
        }
        return only;
    }

    private static boolean fits(Schema connect, org.apache.avro.Schema avro) {
        return switch (connect.type()) {
            case INT8, INT16, INT32 -> avro.getType() == org.apache.avro.Schema.Type.INT;
            case INT64 -> avro.getType() == org.apache.avro.Schema.Type.LONG;
            case FLOAT32 -> avro.getType() == org.apache.avro.Schema.Type.FLOAT;
            case FLOAT64 -> avro.getType() == org.apache.avro.Schema.Type.DOUBLE;
            case BOOLEAN -> avro.getType() == org.apache.avro.Schema.Type.BOOLEAN;
            case STRING -> avro.getType() == org.apache.avro.Schema.Type.STRING
                    || avro.getType() == org.apache.avro.Schema.Type.ENUM;
            case BYTES -> avro.getType() == org.apache.avro.Schema.Type.BYTES
                    || avro.getType() == org.apache.avro.Schema.Type.FIXED;
            case ARRAY -> avro.getType() == org.apache.avro.Schema.Type.ARRAY;
            case MAP -> avro.getType() == org.apache.avro.Schema.Type.MAP
                    || avro.getType() == org.apache.avro.Schema.Type.ARRAY;
            case STRUCT -> avro.getType() == org.apache.avro.Schema.Type.RECORD
                    && (connect.name() == null || connect.name().equals(avro.getFullName()));
        };
    }

    private static void requireType(org.apache.avro.Schema avro, org.apache.avro.Schema.Type type, Schema connect) {
        if (avro.getType() != type) {
            throw new DataException("Cannot write a Connect " + connect.type() + " with Avro schema " + avro);
        }
    }

    /** Connect's logical values (Date, BigDecimal) as their underlying Avro values; others unchanged. */
    private static Object logicalToRaw(Schema schema, Object value) {
        if (schema.name() == null) {
            return value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value;
        }
        return switch (schema.name()) {
            case Decimal.LOGICAL_NAME -> ByteBuffer.wrap(Decimal.fromLogical(schema, (BigDecimal) value));
            case Date.LOGICAL_NAME -> Date.fromLogical(schema, (java.util.Date) value);
            case Time.LOGICAL_NAME -> Time.fromLogical(schema, (java.util.Date) value);
            case Timestamp.LOGICAL_NAME -> Timestamp.fromLogical(schema, (java.util.Date) value);
            default -> value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value;
        };
    }

    private static org.apache.avro.Schema primitive(org.apache.avro.Schema.Type type) {
        return org.apache.avro.Schema.create(type);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    /** {namespace, name} of a dotted full name; namespace null when there is no dot. */
    static String[] split(String fullName) {
        int dot = fullName.lastIndexOf('.');
        return dot < 0 ? new String[]{null, fullName} : new String[]{fullName.substring(0, dot), fullName.substring(dot + 1)};
    }
}
