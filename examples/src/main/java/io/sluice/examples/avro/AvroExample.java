package io.sluice.examples.avro;

import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.RestClientException;
import io.sluice.registry.serde.AvroSerdeConfig;
import io.sluice.registry.serde.KafkaAvroDeserializer;
import io.sluice.registry.serde.KafkaAvroSerializer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * An Avro producer and consumer through the schema registry, with one schema evolution step:
 * <ol>
 *   <li>produce payments with schema v1 {@code {id, amount}} (the serializer registers it);</li>
 *   <li>evolve to v2, adding {@code currency} with a default: BACKWARD compatible, so it registers and is produced;</li>
 *   <li>try v3, which turns {@code amount} into a string: the registry refuses it with 409, and a producer
 *       sending a v3 record gets a {@link SerializationException} before anything reaches the topic;</li>
 *   <li>consume this run's records twice: as written (v1 and v2), and as a consumer still on v1 reads them.</li>
 * </ol>
 * Safe to run again on the same topic and registry: ids are looked up, not assumed, and only this run's records
 * (from the topic's end offset at start) are read back.
 */
public final class AvroExample {
    static final Schema V1 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Payment\","
            + "\"namespace\":\"io.sluice.example\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"amount\",\"type\":\"double\"}]}");
    static final Schema V2 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Payment\","
            + "\"namespace\":\"io.sluice.example\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"amount\",\"type\":\"double\"},{\"name\":\"currency\",\"type\":\"string\",\"default\":\"EUR\"}]}");
    static final Schema V3_BREAKING = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Payment\","
            + "\"namespace\":\"io.sluice.example\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"amount\",\"type\":\"string\"},{\"name\":\"currency\",\"type\":\"string\",\"default\":\"EUR\"}]}");

    /**
     * What a run did: ids of v1 and v2, the error code the registry gave v3 (0 if accepted), whether the
     * serializer refused a v3 record, and this run's records as written and as a v1 consumer reads them.
     */
    public record Result(int v1Id, int v2Id, int refusedErrorCode, boolean serializerRefused,
                         List<GenericRecord> asWritten, List<GenericRecord> asV1) {
        /** Everything went as the example shows it should. */
        public boolean asExpected() {
            return v2Id != v1Id && refusedErrorCode == 409 && serializerRefused && asWritten.size() == 3
                    && asV1.size() == 3;
        }
    }

    private final String bootstrap;
    private final String registryUrl;
    private final String topic;
    private final String subject;
    private final PrintStream out;
    private final CachedSchemaRegistryClient client;

    public AvroExample(String bootstrap, String registryUrl, String topic, PrintStream out) {
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
        this.topic = topic;
        this.subject = topic + "-value";
        this.out = out;
        this.client = new CachedSchemaRegistryClient(registryUrl, 100);
    }

    public Result run() throws IOException, RestClientException, InterruptedException {
        createTopic();
        long start = endOffset();
        out.printf("Topic %s, subject %s, registry %s%n%n", topic, subject, registryUrl);

        out.println("1. Produce with schema v1 {id, amount}; the serializer registers v1.");
        produce(List.of(payment(V1, "p-1", 10.0, null), payment(V1, "p-2", 25.5, null)));
        int v1 = client.getId(subject, V1);
        out.printf("   v1 has id %d; produced p-1, p-2%n%n", v1);

        out.println("2. Evolve: v2 adds \"currency\" with default \"EUR\".");
        out.printf("   registry says v2 is compatible with %s: %s%n", level(), client.testCompatibility(subject, V2));
        produce(List.of(payment(V2, "p-3", 7.25, "USD")));
        int v2 = client.getId(subject, V2);
        out.printf("   v2 has id %d; produced p-3 (USD)%n%n", v2);

        out.println("3. Breaking change: v3 turns \"amount\" into a string.");
        int refused = 0;
        try {
            int id = client.register(subject, V3_BREAKING);
            out.printf("   UNEXPECTED: the registry accepted v3 with id %d%n", id);
        } catch (RestClientException e) {
            refused = e.errorCode();
            out.printf("   registry refused v3: HTTP %d, error_code %d (%s)%n", e.status(), e.errorCode(), e.getMessage());
        }
        boolean serializerRefused = false;
        try {
            produce(List.of(payment(V3_BREAKING, "p-4", 0, null)));
            out.println("   UNEXPECTED: a v3 record was produced");
        } catch (SerializationException e) {
            serializerRefused = true;
            out.println("   producer refused to send a v3 record: SerializationException: " + e.getMessage());
        }
        out.println();

        out.println("4. Consume this run's records.");
        List<GenericRecord> asWritten = consume(start, 3, null);
        asWritten.forEach(r -> out.printf("   as written (schema %s): %s%n", version(r.getSchema()), r));
        List<GenericRecord> asV1 = consume(start, 3, V1);
        asV1.forEach(r -> out.println("   by a consumer still on v1:  " + r));

        Result result = new Result(v1, v2, refused, serializerRefused, asWritten, asV1);
        out.println();
        out.println(result.asExpected()
                ? "Done: v1 and v2 data readable by old and new consumers; the breaking v3 never reached the topic."
                : "Done, but NOT as expected: see the lines marked UNEXPECTED above.");
        return result;
    }

    /** The subject's compatibility level, else the global one (what the registry applies). */
    private String level() throws IOException, RestClientException {
        try {
            return client.getCompatibility(subject);
        } catch (RestClientException e) {
            return client.getCompatibility(null);
        }
    }

    private static String version(Schema schema) {
        return schema.getField("currency") == null ? "v1" : "v2";
    }

    private static GenericRecord payment(Schema schema, String id, double amount, String currency) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("amount", schema.getField("amount").schema().getType() == Schema.Type.STRING ? String.valueOf(amount) : amount);
        if (currency != null) {
            r.put("currency", currency);
        }
        return r;
    }

    private void createTopic() throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topic " + topic, e.getCause());
            }
        }
    }

    private long endOffset() {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, Object> consumer = consumer(null)) {
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private void produce(List<GenericRecord> values) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class.getName());
        p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(p)) {
            for (GenericRecord value : values) {
                producer.send(new ProducerRecord<>(topic, value.get("id").toString(), value));
            }
            producer.flush();
        }
    }

    /** A consumer whose Avro deserializer reads with {@code reader}, or with each record's writer schema if null. */
    private KafkaConsumer<String, Object> consumer(Schema reader) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        KafkaAvroDeserializer avro = new KafkaAvroDeserializer(new CachedSchemaRegistryClient(registryUrl, 100),
                Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl), reader);
        return new KafkaConsumer<>(p, new StringDeserializer(), avro);
    }

    private List<GenericRecord> consume(long from, int count, Schema reader) {
        List<GenericRecord> records = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = consumer(reader)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            long deadline = System.currentTimeMillis() + 30_000;
            while (records.size() < count && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> records.add((GenericRecord) r.value()));
            }
        }
        return records;
    }
}
