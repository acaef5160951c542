package io.sluice.registry.schema;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AvroSchemasTest {

    @Test
    void canonicalFormIgnoresFormattingButKeepsMeaning() {
        String a = "{\"type\":\"record\",\"name\":\"com.acme.T\",\"fields\":[{\"name\":\"x\",\"type\":\"int\",\"default\":1,\"doc\":\"d\"}]}";
        String b = "{\n  \"fields\": [ {\"doc\":\"d\", \"default\": 1, \"type\": \"int\", \"name\": \"x\"} ],\n"
                + "  \"namespace\": \"com.acme\", \"name\": \"T\", \"type\": \"record\"\n}";
        assertThat(AvroSchemas.parse(a).canonical()).isEqualTo(AvroSchemas.parse(b).canonical());
        // Defaults, docs and field order are meaning, not formatting.
        assertThat(AvroSchemas.parse(a.replace("\"default\":1", "\"default\":2")).canonical())
                .isNotEqualTo(AvroSchemas.parse(a).canonical());
        assertThat(AvroSchemas.parse(a).canonical()).contains("\"default\":1", "\"doc\":\"d\"");
        assertThat(AvroSchemas.parse("\"string\"").canonical()).isEqualTo("\"string\"");
        assertThat(AvroSchemas.parse("{\"type\":\"string\"}").canonical()).isEqualTo("\"string\"");
    }

    @Test
    void referencedTypesStayReferences() {
        String address = "{\"type\":\"record\",\"name\":\"A\",\"namespace\":\"n\",\"fields\":[{\"name\":\"c\",\"type\":\"string\"}]}";
        String person = "{\"type\":\"record\",\"name\":\"P\",\"namespace\":\"n\",\"fields\":[{\"name\":\"a\",\"type\":\"n.A\"}]}";
        AvroSchemas.Parsed parsed = AvroSchemas.parse(person, List.of(address));
        // The referenced type is named (relative to the namespace), not inlined.
        assertThat(parsed.canonical()).doesNotContain("\"c\"").contains("\"type\":\"A\"");
        assertThat(parsed.schema().getField("a").schema().getField("c")).isNotNull();
    }

    @Test
    void invalidSchemasAreRefusedWithAReason() {
        for (String bad : List.of("{", "{\"type\":\"record\"}", "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\"}]}",
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":\"int\",\"default\":\"no\"}]}",
                "\"NoSuchType\"", "[\"int\",\"int\"]", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}")) {
            assertThatThrownBy(() -> AvroSchemas.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
