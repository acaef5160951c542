package io.sluice.jdbc.sink;

import io.sluice.jdbc.dialect.ColumnSpec;
import io.sluice.jdbc.dialect.TableId;
import io.sluice.jdbc.sink.JdbcSinkConfig.PrimaryKeyMode;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes records into rows as {@code pk.mode}, {@code pk.fields}, {@code fields.whitelist},
 * {@code table.name.format}, {@code insert.mode} and {@code delete.enabled} say. Values must be Structs with a
 * schema (JsonConverter with schemas, Avro); keys may be primitive or Structs. A record that does not fit throws
 * {@link BadRecordException}; shapes are cached per topic and schemas, since a topic's records mostly share them.
 */
final class RowMapper {
    private record ShapeKey(String topic, Schema keySchema, Schema valueSchema, boolean delete) {
    }

    private final JdbcSinkConfig config;
    private final Operation writeOperation;
    private final Map<ShapeKey, RowShape> shapes = new HashMap<>();
    /** The last record's key, compared by identity first: Schema's equals and hashCode walk the whole schema. */
    private ShapeKey lastKey;
    private RowShape lastShape;

    RowMapper(JdbcSinkConfig config) {
        this.config = config;
        this.writeOperation = Operation.valueOf(config.insertMode.name());
    }

    Row map(SinkRecord record) {
        boolean delete = record.value() == null;
        if (delete && !config.getBoolean(JdbcSinkConfig.DELETE_ENABLED)) {
            throw new BadRecordException(record, "null value (a tombstone) but delete.enabled=false; this sink needs "
                    + "records with a non-null Struct value");
        }
        if (!delete && (record.valueSchema() == null || record.valueSchema().type() != Schema.Type.STRUCT
                || !(record.value() instanceof Struct))) {
            throw new BadRecordException(record, "the value must be a Struct with a schema (e.g. JsonConverter with "
                    + "schemas.enable=true, or Avro), but it is " + describe(record.valueSchema(), record.value()));
        }
        if (config.pkMode == PrimaryKeyMode.RECORD_KEY && record.key() == null) {
            throw new BadRecordException(record, "the key is missing (null) but pk.mode=record_key takes the primary"
                    + " key from it");
        }
        RowShape shape;
        if (lastKey != null && lastKey.keySchema() == record.keySchema()
                && lastKey.valueSchema() == record.valueSchema() && lastKey.delete() == delete
                && lastKey.topic().equals(record.topic())) {
            shape = lastShape;
        } else {
            ShapeKey key = new ShapeKey(record.topic(), record.keySchema(), record.valueSchema(), delete);
            shape = shapes.get(key);
            if (shape == null) {
                shape = shape(record, delete);
                shapes.put(key, shape);
            }
            lastKey = key;
            lastShape = shape;
        }
        Object[] keys = new Object[shape.keys().size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = keyValue(record, shape.keys().get(i), i);
            if (keys[i] == null) {
                throw new BadRecordException(record, "primary key column " + shape.keys().get(i).name() + " is null");
            }
        }
        Object[] values = new Object[shape.values().size()];
        if (!delete) {
            Struct struct = (Struct) record.value();
            for (int i = 0; i < values.length; i++) {
                values[i] = struct.get(shape.values().get(i).name());
            }
        }
        return new Row(shape, keys, values, record);
    }

    private Object keyValue(SinkRecord record, ColumnSpec column, int index) {
        return switch (config.pkMode) {
            case NONE -> null;
            case KAFKA -> switch (index) {
                case 0 -> record.topic();
                case 1 -> record.kafkaPartition();
                default -> record.kafkaOffset();
            };
            case RECORD_KEY -> record.key() instanceof Struct struct ? struct.get(column.name()) : record.key();
            case RECORD_VALUE -> ((Struct) record.value()).get(column.name());
        };
    }

    private RowShape shape(SinkRecord record, boolean delete) {
        List<ColumnSpec> keys = keyColumns(record);
        List<ColumnSpec> values = new ArrayList<>();
        if (!delete) {
            Set<String> keyNames = new LinkedHashSet<>();
            keys.forEach(k -> keyNames.add(k.name()));
            for (Field field : record.valueSchema().fields()) {
                boolean included = config.fieldsIncluded.isEmpty() || config.fieldsIncluded.contains(field.name());
                if (included && !keyNames.contains(field.name())) {
                    values.add(column(record, field.name(), field.schema()));
                }
            }
        }
        Operation operation = delete ? Operation.DELETE : writeOperation;
        return new RowShape(TableId.parse(config.tableName(record.topic())), operation, List.copyOf(keys),
                List.copyOf(values));
    }

    private List<ColumnSpec> keyColumns(SinkRecord record) {
        List<String> names = config.pkFields;
        switch (config.pkMode) {
            case NONE:
                return List.of();
            case KAFKA: {
                List<String> kafka = names.isEmpty() ? JdbcSinkConfig.KAFKA_PK_FIELDS : names;
                return List.of(new ColumnSpec(kafka.get(0), Schema.STRING_SCHEMA),
                        new ColumnSpec(kafka.get(1), Schema.INT32_SCHEMA),
                        new ColumnSpec(kafka.get(2), Schema.INT64_SCHEMA));
            }
            case RECORD_KEY: {
                Schema keySchema = record.keySchema();
                if (keySchema == null) {
                    throw new BadRecordException(record, "the key has no schema but pk.mode=record_key needs one "
                            + "(e.g. key.converter with schemas, or a primitive key from StringConverter)");
                }
                if (keySchema.type() != Schema.Type.STRUCT) {
                    if (names.size() != 1) {
                        throw new BadRecordException(record, "the key is a primitive " + keySchema.type()
                                + ", so pk.fields must name exactly one column for it, but it names " + names);
                    }
                    return List.of(column(record, names.get(0), keySchema));
                }
                return structColumns(record, keySchema, names, "key");
            }
            case RECORD_VALUE:
            default:
                if (record.value() == null) {
                    throw new BadRecordException(record, "null value, but pk.mode=record_value takes the key from it");
                }
                return structColumns(record, record.valueSchema(), names, "value");
        }
    }

    private List<ColumnSpec> structColumns(SinkRecord record, Schema schema, List<String> names, String part) {
        List<ColumnSpec> columns = new ArrayList<>();
        if (names.isEmpty()) {
            for (Field field : schema.fields()) {
                columns.add(column(record, field.name(), field.schema()));
            }
        } else {
            for (String name : names) {
                Field field = schema.field(name);
                if (field == null) {
                    throw new BadRecordException(record, "pk.fields names " + name + " but the record " + part
                            + " has no such field (it has " + schema.fields().stream().map(Field::name).toList() + ")");
                }
                columns.add(column(record, name, field.schema()));
            }
        }
        return columns;
    }

    private static ColumnSpec column(SinkRecord record, String name, Schema schema) {
        switch (schema.type()) {
            case STRUCT, ARRAY, MAP -> throw new BadRecordException(record, "field " + name + " is a " + schema.type()
                    + "; only primitive fields (and Decimal, Date, Time, Timestamp) map to columns");
            default -> {
                return new ColumnSpec(name, schema);
            }
        }
    }

    private static String describe(Schema schema, Object value) {
        if (value == null) {
            return "null";
        }
        return schema == null ? "schemaless " + value.getClass().getSimpleName() : "a " + schema.type();
    }
}
