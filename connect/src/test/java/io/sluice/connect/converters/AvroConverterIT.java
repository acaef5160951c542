package io.sluice.connect.converters;

import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.serde.KafkaAvroDeserializer;
import io.sluice.registry.serde.KafkaAvroSerializer;
import io.sluice.testkit.TestBroker;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link AvroConverter} against a real registry on a real broker. */
class AvroConverterIT {
    static TestBroker broker;
    static RegistryServer registry;
    static CachedSchemaRegistryClient client;

    /**
     * What Confluent's converter registers for {@link #ORDER} (worked out from its AvroData: connect.* properties,
     * int16 tagged, optional as [null, T] with a null default, logical types with Avro's logicalType).
     */
    static final String CONFLUENT_ORDER_SCHEMA = """
            {"type":"record","name":"Order","namespace":"com.example","fields":[
              {"name":"id","type":"long"},
              {"name":"qty","type":{"type":"int","connect.type":"int16"}},
              {"name":"note","type":["null","string"],"default":null},
              {"name":"price","type":{"type":"bytes","scale":2,"precision":64,"connect.version":1,
                 "connect.parameters":{"scale":"2"},"connect.name":"org.apache.kafka.connect.data.Decimal",
                 "logicalType":"decimal"}},
              {"name":"day","type":{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date",
                 "logicalType":"date"}},
              {"name":"at","type":{"type":"long","connect.version":1,
                 "connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}},
              {"name":"tags","type":{"type":"array","items":"string"}},
              {"name":"counts","type":{"type":"array","items":{"type":"record","name":"MapEntry",
                 "namespace":"io.confluent.connect.avro","fields":[{"name":"key","type":"int"},
                 {"name":"value","type":"string"}]}}}
            ],"connect.version":2,"connect.doc":"An order","connect.name":"com.example.Order"}""";

    static final Schema ORDER = SchemaBuilder.struct().name("com.example.Order").version(2).doc("An order")
            .field("id", Schema.INT64_SCHEMA)
            .field("qty", Schema.INT16_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .field("price", Decimal.schema(2))
            .field("day", Date.SCHEMA)
            .field("at", Timestamp.SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("counts", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
            .build();

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        Map<String, String> settings = new HashMap<>();
        settings.put(RegistryConfig.LISTENERS, "http://127.0.0.1:0");
        settings.put(RegistryConfig.BOOTSTRAP_SERVERS, broker.bootstrap());
        settings.put(RegistryConfig.TOPIC_REPLICATION_FACTOR, "1");
        registry = RegistryServer.start(RegistryConfig.of(settings));
        await().atMost(Duration.ofSeconds(30)).until(registry::isLeader);
        client = new CachedSchemaRegistryClient(registry.url(), 100);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        broker.close();
    }

    private static AvroConverter converter(boolean isKey, Map<String, Object> extra) {
        Map<String, Object> configs = new HashMap<>(extra);
        configs.put("schema.registry.url", registry.url());
        AvroConverter converter = new AvroConverter();
        converter.configure(configs, isKey);
        return converter;
    }

    private static Struct order(long id) {
        Map<Integer, String> counts = new LinkedHashMap<>();
        counts.put(1, "one");
        counts.put(2, "two");
        return new Struct(ORDER).put("id", id).put("qty", (short) 3).put("note", id % 2 == 0 ? null : "odd")
                .put("price", new BigDecimal("12.34")).put("day", new java.util.Date(86_400_000L * 19_000))
                .put("at", new java.util.Date(1_700_000_000_123L)).put("tags", List.of("a", "b"))
                .put("counts", counts);
    }

    @Test
    void everyTypeRoundTripsAndTheRegisteredSchemaIsConfluents() throws Exception {
        AvroConverter converter = converter(false, Map.of());
        for (long id = 1; id <= 2; id++) {
            byte[] bytes = converter.fromConnectData("orders", ORDER, order(id));
            assertThat(bytes[0]).isZero();
            SchemaAndValue back = converter.toConnectData("orders", bytes);
            assertThat(back.schema()).isEqualTo(ORDER);
            assertThat(back.value()).isEqualTo(order(id));
        }
        org.apache.avro.Schema registered = new org.apache.avro.Schema.Parser()
                .parse(client.getLatestSchemaMetadata("orders-value").schema());
        assertThat(registered).isEqualTo(new org.apache.avro.Schema.Parser().parse(CONFLUENT_ORDER_SCHEMA));
        assertThat(client.getAllVersions("orders-value")).containsExactly(1);
    }

    @Test
    void keysGoToTheKeySubjectAndPrimitivesTombstonesAndUnnamedStructsWork() throws Exception {
        AvroConverter keys = converter(true, Map.of());
        byte[] key = keys.fromConnectData("users", Schema.STRING_SCHEMA, "alice");
        assertThat(keys.toConnectData("users", key)).isEqualTo(new SchemaAndValue(Schema.STRING_SCHEMA, "alice"));
        assertThat(client.getLatestSchemaMetadata("users-key").schema()).isEqualTo("\"string\"");
        assertThat(keys.fromConnectData("users", Schema.OPTIONAL_STRING_SCHEMA, null)).isNull();
        assertThat(keys.toConnectData("users", null)).isEqualTo(SchemaAndValue.NULL);
        // schemaless primitives get an inferred schema
        assertThat(keys.toConnectData("users", keys.fromConnectData("users", null, "bob")).value()).isEqualTo("bob");

        Schema inner = SchemaBuilder.struct().field("b", Schema.OPTIONAL_INT8_SCHEMA)
                .field("raw", Schema.BYTES_SCHEMA).field("t", Time.SCHEMA).build();
        Schema outer = SchemaBuilder.struct().field("inner", inner)
                .field("more", SchemaBuilder.array(inner).optional().build())
                .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).build())
                .field("level", SchemaBuilder.string().defaultValue("info").build()).build();
        Struct innerValue = new Struct(inner).put("b", (byte) -7).put("raw", new byte[]{1, 2, 3})
                .put("t", new java.util.Date(3_600_000));
        Struct value = new Struct(outer).put("inner", innerValue).put("more", List.of(innerValue))
                .put("attrs", Map.of("x", 1.5)).put("level", "warn");
        AvroConverter values = converter(false, Map.of());
        SchemaAndValue back = values.toConnectData("users", values.fromConnectData("users", outer, value));
        assertThat(back.schema()).isEqualTo(outer);
        assertThat(back.value()).isEqualTo(value);
        String registered = client.getLatestSchemaMetadata("users-value").schema();
        assertThat(registered).contains("\"name\":\"ConnectDefault\"", "\"name\":\"ConnectDefault2\"",
                "\"connect.type\":\"int8\"", "\"default\":\"info\"");
    }

    @Test
    void addingAnOptionalFieldRegistersANewVersionAndOldRecordsStillRead() throws Exception {
        Schema v1 = SchemaBuilder.struct().name("com.example.User").field("name", Schema.STRING_SCHEMA).build();
        Schema v2 = SchemaBuilder.struct().name("com.example.User").field("name", Schema.STRING_SCHEMA)
                .field("email", Schema.OPTIONAL_STRING_SCHEMA).build();
        AvroConverter converter = converter(false, Map.of());
        byte[] old = converter.fromConnectData("evolving", v1, new Struct(v1).put("name", "ann"));
        byte[] newer = converter.fromConnectData("evolving", v2,
                new Struct(v2).put("name", "ben").put("email", "ben@example.com"));
        assertThat(client.getAllVersions("evolving-value")).containsExactly(1, 2);
        assertThat(ByteBuffer.wrap(newer, 1, 4).getInt()).isNotEqualTo(ByteBuffer.wrap(old, 1, 4).getInt());

        AvroConverter reader = converter(false, Map.of());
        assertThat(reader.toConnectData("evolving", old).value()).isEqualTo(new Struct(v1).put("name", "ann"));
        assertThat(((Struct) reader.toConnectData("evolving", newer).value()).getString("email"))
                .isEqualTo("ben@example.com");

        // use.latest.version writes a v1 struct with v2, the missing optional field taking its default
        AvroConverter latest = converter(false, Map.of("use.latest.version", "true", "auto.register.schemas", "false"));
        SchemaAndValue upgraded = reader.toConnectData("evolving",
                latest.fromConnectData("evolving", v1, new Struct(v1).put("name", "cy")));
        assertThat(upgraded.schema()).isEqualTo(v2);
        assertThat(upgraded.value()).isEqualTo(new Struct(v2).put("name", "cy"));
    }

    @Test
    void readsWhatTheRegistrysOwnSerializerWroteAndTheOtherWayRound() {
        org.apache.avro.Schema confluent = new org.apache.avro.Schema.Parser().parse(CONFLUENT_ORDER_SCHEMA);
        GenericRecord record = new GenericData.Record(confluent);
        GenericData.Record entry = new GenericData.Record(confluent.getField("counts").schema().getElementType());
        entry.put("key", 1);
        entry.put("value", "one");
        record.put("id", 7L);
        record.put("qty", 3);
        record.put("note", "odd");
        record.put("price", ByteBuffer.wrap(new BigDecimal("12.34").unscaledValue().toByteArray()));
        record.put("day", 19_000);
        record.put("at", 1_700_000_000_123L);
        record.put("tags", List.of("a", "b"));
        record.put("counts", List.of(entry));
        Map<String, Object> serdeConfig = Map.of("schema.registry.url", registry.url());
        byte[] bytes;
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(serdeConfig, false);
            bytes = serializer.serialize("interop", record);
        }
        SchemaAndValue read = converter(false, Map.of()).toConnectData("interop", bytes);
        assertThat(read.schema()).isEqualTo(ORDER);
        Struct expected = order(7);
        expected.put("counts", Map.of(1, "one"));
        assertThat(read.value()).isEqualTo(expected);

        byte[] ours = converter(false, Map.of()).fromConnectData("interop", ORDER, expected);
        try (KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer()) {
            deserializer.configure(serdeConfig, false);
            GenericRecord back = (GenericRecord) deserializer.deserialize("interop", ours);
            assertThat(back.getSchema()).isEqualTo(confluent);
            assertThat(back.get("id")).isEqualTo(7L);
            assertThat(back.get("note").toString()).isEqualTo("odd");
        }
    }

    @Test
    void badInputGivesClearErrors() {
        AvroConverter converter = converter(false, Map.of("auto.register.schemas", "false"));
        assertThatThrownBy(() -> converter.fromConnectData("never-registered", ORDER, order(1)))
                .isInstanceOf(DataException.class).hasMessageContaining("never-registered-value");
        assertThatThrownBy(() -> converter.toConnectData("t", "plain text".getBytes()))
                .isInstanceOf(DataException.class).hasMessageContaining("Unknown magic byte");
        assertThatThrownBy(() -> converter(false, Map.of()).fromConnectData("t", ORDER, new Struct(ORDER)))
                .isInstanceOf(DataException.class);
        org.apache.avro.Schema recursive = new org.apache.avro.Schema.Parser().parse("{\"type\":\"record\","
                + "\"name\":\"Node\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null}]}");
        byte[] node;
        try (KafkaAvroSerializer serializer = new KafkaAvroSerializer()) {
            serializer.configure(Map.of("schema.registry.url", registry.url()), false);
            node = serializer.serialize("nodes", new GenericData.Record(recursive));
        }
        assertThatThrownBy(() -> converter.toConnectData("nodes", node))
                .isInstanceOf(DataException.class).hasMessageContaining("Node contains itself");
        assertThatThrownBy(() -> new AvroConverter().configure(Map.of(), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    }
}
