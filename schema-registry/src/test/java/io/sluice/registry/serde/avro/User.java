package io.sluice.registry.serde.avro;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * A specific record written by hand the way avro-tools would generate it (schema in {@code SCHEMA$}, positional
 * get/put), so the tests exercise SpecificDatumWriter/Reader without a code generation step.
 */
public class User extends SpecificRecordBase {
    public static final Schema SCHEMA$ = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"User\","
            + "\"namespace\":\"io.sluice.registry.serde.avro\",\"fields\":[{\"name\":\"name\",\"type\":\"string\"},"
            + "{\"name\":\"age\",\"type\":\"int\",\"default\":0}]}");

    private String name;
    private int age;

    public User() {
    }

    public User(String name, int age) {
        this.name = name;
        this.age = age;
    }

    public static Schema getClassSchema() {
        return SCHEMA$;
    }

    @Override
    public Schema getSchema() {
        return SCHEMA$;
    }

    @Override
    public Object get(int field) {
        return switch (field) {
            case 0 -> name;
            case 1 -> age;
            default -> throw new IndexOutOfBoundsException("Invalid index: " + field);
        };
    }

    @Override
    public void put(int field, Object value) {
        switch (field) {
            case 0 -> name = value == null ? null : value.toString();
            case 1 -> age = (Integer) value;
            default -> throw new IndexOutOfBoundsException("Invalid index: " + field);
        }
    }

    public String name() {
        return name;
    }

    public int age() {
        return age;
    }
}
