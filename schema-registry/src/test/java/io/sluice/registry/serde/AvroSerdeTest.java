package io.sluice.registry.serde;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.RestClientException;
import io.sluice.registry.serde.avro.User;
import io.sluice.registry.testing.Registries;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Avro serde through real topics on an in-process broker, with schemas in a real registry. */
class AvroSerdeTest {
    /** User with one more field (with a default): what a newer producer writes. */
    static final Schema USER_V2 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"User\","
            + "\"namespace\":\"io.sluice.registry.serde.avro\",\"fields\":[{\"name\":\"name\",\"type\":\"string\"},"
            + "{\"name\":\"age\",\"type\":\"int\",\"default\":0},"
            + "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}");

    static TestBroker broker;
    static RegistryServer registry;
    static CachedSchemaRegistryClient client;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        registry = Registries.startLeader(broker, "serde", Map.of());
        client = new CachedSchemaRegistryClient(registry.url(), 100);
    }

    @AfterAll
    static void stop() {
        registry.close();
        broker.close();
    }

    private Map<String, Object> serdeConfig(Object... keyValues) {
        Map<String, Object> config = new HashMap<>();
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    private void produce(String topic, Map<String, Object> serde, List<Object> values) {
        Properties p = broker.producerProps();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class.getName());
        p.putAll(serde);
        try (KafkaProducer<Object, Object> producer = new KafkaProducer<>(p)) {
            for (Object value : values) {
                producer.send(new ProducerRecord<>(topic, "key", value));
            }
            producer.flush();
        }
    }

    private List<ConsumerRecord<Object, Object>> consume(String topic, Map<String, Object> serde, int count) {
        Properties p = broker.consumerProps(null);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, KafkaAvroDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, KafkaAvroDeserializer.class.getName());
        p.putAll(serde);
        List<ConsumerRecord<Object, Object>> out = new ArrayList<>();
        try (KafkaConsumer<Object, Object> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.currentTimeMillis() + 20_000;
            while (out.size() < count && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        assertThat(out).hasSize(count);
        return out;
    }

    private byte[] rawValue(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer(null, Map.of())) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    return r.value();
                }
            }
        }
        throw new AssertionError("no record in " + topic);
    }

    @Test
    void genericRecordsRoundTripInConfluentWireFormat() throws Exception {
        broker.createTopic("generic", 1, Map.of());
        GenericRecord alice = new GenericData.Record(USER_V2);
        alice.put("name", "alice");
        alice.put("age", 31);
        alice.put("email", "alice@example.com");
        produce("generic", serdeConfig(), List.of(alice));

        byte[] raw = rawValue("generic");
        int id = client.getLatestSchemaMetadata("generic-value").id();
        assertThat(raw[0]).isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(raw, 1, 4).getInt()).isEqualTo(id);
        // The key went through the key serializer: a string schema under <topic>-key.
        assertThat(client.getLatestSchemaMetadata("generic-key").schema()).isEqualTo("\"string\"");

        ConsumerRecord<Object, Object> record = consume("generic", serdeConfig(), 1).get(0);
        assertThat(record.key()).isEqualTo("key");
        GenericRecord read = (GenericRecord) record.value();
        assertThat(read.get("name").toString()).isEqualTo("alice");
        assertThat(read.get("age")).isEqualTo(31);
        assertThat(read.get("email").toString()).isEqualTo("alice@example.com");
    }

    @Test
    void specificRecordsRoundTrip() {
        broker.createTopic("specific", 1, Map.of());
        produce("specific", serdeConfig(), List.of(new User("bob", 40), new User("carol", 22)));
        List<ConsumerRecord<Object, Object>> records =
                consume("specific", serdeConfig(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true"), 2);
        assertThat(records.get(0).value()).isInstanceOf(User.class);
        assertThat(((User) records.get(0).value()).name()).isEqualTo("bob");
        assertThat(((User) records.get(1).value()).age()).isEqualTo(22);
    }

    @Test
    void olderReaderReadsNewerData() {
        broker.createTopic("evolve", 1, Map.of());
        produce("evolve", serdeConfig(), List.of(new User("dave", 50)));
        GenericRecord newer = new GenericData.Record(USER_V2);
        newer.put("name", "erin");
        newer.put("age", 27);
        newer.put("email", "erin@example.com");
        produce("evolve", serdeConfig(), List.of(newer));

        // A consumer compiled against the old User class reads both, dropping the field it does not know.
        List<ConsumerRecord<Object, Object>> records =
                consume("evolve", serdeConfig(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true"), 2);
        assertThat(((User) records.get(1).value()).name()).isEqualTo("erin");
        assertThat(((User) records.get(1).value()).age()).isEqualTo(27);

        // The same with generic records and an explicit reader schema.
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(client, serdeConfig(), User.SCHEMA$);
        GenericRecord old = (GenericRecord) deserializer.deserialize("evolve", rawValues("evolve", 2).get(1));
        assertThat(old.getSchema().getFields()).hasSize(2);
        assertThat(old.get("name").toString()).isEqualTo("erin");
    }

    private List<byte[]> rawValues(String topic, int count) {
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(broker.consumerProps(null),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.currentTimeMillis() + 20_000;
            while (values.size() < count && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    @Test
    void withoutAutoRegisterTheSchemaMustExist() throws Exception {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(serdeConfig(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);
        assertThatThrownBy(() -> serializer.serialize("no-auto", new User("x", 1)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("40401");
        int id = client.register("no-auto-value", User.SCHEMA$);
        byte[] bytes = serializer.serialize("no-auto", new User("x", 1));
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
    }

    @Test
    void useLatestVersionWritesWithTheSubjectsLatestSchema() throws Exception {
        client.register("latest-value", User.SCHEMA$);
        int latest = client.register("latest-value", USER_V2);
        // A local copy of the schema that differs only in documentation: registering it would add a version.
        Schema local = new Schema.Parser().parse(USER_V2.toString().replaceFirst("\\{", "{\"doc\":\"local copy\","));
        GenericRecord record = new GenericData.Record(local);
        record.put("name", "frank");
        record.put("age", 3);
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(serdeConfig(AvroSerdeConfig.USE_LATEST_VERSION, "true",
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);
        byte[] bytes = serializer.serialize("latest", record);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(latest);
        assertThat(client.getAllVersions("latest-value")).containsExactly(1, 2);
        GenericRecord read = (GenericRecord) new KafkaAvroDeserializer(client).deserialize("latest", bytes);
        assertThat(read.get("name").toString()).isEqualTo("frank");
    }

    @Test
    void subjectNameStrategies() throws Exception {
        String fullName = "io.sluice.registry.serde.avro.User";
        Map<String, String> expected = Map.of(
                "io.confluent.kafka.serializers.subject.TopicNameStrategy", "strategies-value",
                RecordNameStrategy.class.getName(), fullName,
                "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy", "strategies-" + fullName);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            KafkaAvroSerializer serializer = new KafkaAvroSerializer();
            serializer.configure(serdeConfig(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, e.getKey()), false);
            byte[] bytes = serializer.serialize("strategies", new User("g", 1));
            assertThat(client.getLatestSchemaMetadata(e.getValue()).id()).isEqualTo(ByteBuffer.wrap(bytes, 1, 4).getInt());
        }
        KafkaAvroSerializer keys = new KafkaAvroSerializer();
        keys.configure(serdeConfig(AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY, TopicRecordNameStrategy.class), true);
        keys.serialize("strategies", new User("k", 1));
        assertThat(client.getAllVersions("strategies-" + fullName)).containsExactly(1);
    }

    @Test
    void primitivesAndBadInput() throws RestClientException, java.io.IOException {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer(client, serdeConfig());
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer(client);
        deserializer.configure(serdeConfig(), false);
        for (Object value : List.of("text", 42L, 7, 1.5d, 2.5f, true)) {
            assertThat(deserializer.deserialize("prims", serializer.serialize("prims-" + value.getClass().getSimpleName(), value)))
                    .isEqualTo(value);
        }
        assertThat((byte[]) deserializer.deserialize("prims", serializer.serialize("prims-bytes", new byte[]{1, 2})))
                .containsExactly(1, 2);
        assertThat(serializer.serialize("prims", null)).isNull();
        assertThat(deserializer.deserialize("prims", null)).isNull();
        assertThatThrownBy(() -> deserializer.deserialize("prims", new byte[]{1, 0, 0, 0, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");
        assertThatThrownBy(() -> deserializer.deserialize("prims", new byte[]{0, 0, 1, 0, 0, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("40403");
        assertThatThrownBy(() -> serializer.serialize("prims", new Object()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("Unsupported Avro type");
    }
}
