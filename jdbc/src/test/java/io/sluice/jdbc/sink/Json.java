package io.sluice.jdbc.sink;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** JsonConverter's envelope ({@code {"schema":..., "payload":...}}) for test records, written by hand. */
final class Json {
    /** One field of a struct schema: its JSON schema and whether it may be null. */
    record Field(String name, String type, boolean optional, String logical, Map<String, String> parameters) {
        String schema() {
            StringBuilder s = new StringBuilder("{\"field\":\"" + name + "\",\"type\":\"" + type + "\",\"optional\":"
                    + optional);
            if (logical != null) {
                s.append(",\"name\":\"").append(logical).append('"');
            }
            if (parameters != null && !parameters.isEmpty()) {
                s.append(",\"parameters\":{").append(parameters.entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").collect(Collectors.joining(",")))
                        .append('}');
            }
            return s.append('}').toString();
        }
    }

    static Field field(String name, String type) {
        return new Field(name, type, false, null, null);
    }

    static Field optional(String name, String type) {
        return new Field(name, type, true, null, null);
    }

    static Field decimal(String name, int scale) {
        return new Field(name, "bytes", false, "org.apache.kafka.connect.data.Decimal", Map.of("scale",
                Integer.toString(scale)));
    }

    static Field timestamp(String name) {
        return new Field(name, "int64", false, "org.apache.kafka.connect.data.Timestamp", null);
    }

    /** A struct value: fields and their values (JSON literals, or Java values quoted here). */
    static String struct(List<Field> fields, Object... values) {
        List<String> payload = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            payload.add("\"" + fields.get(i).name() + "\":" + literal(values[i]));
        }
        return "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":["
                + fields.stream().map(Field::schema).collect(Collectors.joining(",")) + "]},\"payload\":{"
                + String.join(",", payload) + "}}";
    }

    /** A primitive value (a key). */
    static String primitive(String type, Object value) {
        return "{\"schema\":{\"type\":\"" + type + "\",\"optional\":false},\"payload\":" + literal(value) + "}";
    }

    private static String literal(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "\"" + s.replace("\"", "\\\"") + "\"";
        }
        if (value instanceof BigDecimal d) {
            return "\"" + Base64.getEncoder().encodeToString(d.unscaledValue().toByteArray()) + "\"";
        }
        return value.toString();
    }

    private Json() {
    }
}
