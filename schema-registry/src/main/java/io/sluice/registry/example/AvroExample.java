package io.sluice.registry.example;

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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * An Avro producer and consumer through the registry, with one schema evolution step:
 * <ol>
 *   <li>produce payments with schema v1 {@code {id, amount}} (registered automatically);</li>
 *   <li>evolve to v2, adding {@code currency} with a default: compatible, so it registers and is produced;</li>
 *   <li>try v3, which turns {@code amount} into a string: the registry refuses it (409);</li>
 *   <li>consume everything twice: as written (generic), and as an old v1 consumer would see it.</li>
 * </ol>
 * Run: {@code java ... io.sluice.registry.example.AvroExample [bootstrap] [registryUrl] [topic]}
 * (defaults 127.0.0.1:9092, http://127.0.0.1:8081, payments-avro), with a broker and {@code sluice registry} up.
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

    /** What a run did: ids of v1 and v2, the error code v3 got, and the records as read back. */
    public record Result(int v1Id, int v2Id, int refusedErrorCode, List<GenericRecord> asWritten,
                         List<GenericRecord> asV1) {
    }

    private AvroExample() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        String registry = args.length > 1 ? args[1] : "http://127.0.0.1:8081";
        String topic = args.length > 2 ? args[2] : "payments-avro";
        run(bootstrap, registry, topic, System.out);
    }

    public static Result run(String bootstrap, String registryUrl, String topic, PrintStream out) throws Exception {
        createTopic(bootstrap, topic);
        CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(registryUrl, 100);
        String subject = topic + "-value";

        produce(bootstrap, registryUrl, topic, List.of(payment(V1, "p-1", 10.0, null), payment(V1, "p-2", 25.5, null)));
        int v1 = client.getLatestSchemaMetadata(subject).id();
        out.println("v1 registered with id " + v1 + "; 2 payments produced");

        out.println("v2 (adds currency with a default) compatible: " + client.testCompatibility(subject, V2));
        produce(bootstrap, registryUrl, topic, List.of(payment(V2, "p-3", 7.25, "USD")));
        int v2 = client.getLatestSchemaMetadata(subject).id();
        out.println("v2 registered with id " + v2 + "; 1 payment produced");

        int refused = 0;
        try {
            client.register(subject, V3_BREAKING);
            out.println("v3 was unexpectedly accepted");
        } catch (RestClientException e) {
            refused = e.errorCode();
            out.println("v3 (amount becomes a string) refused: error " + e.errorCode());
        }

        List<GenericRecord> asWritten = consume(bootstrap, registryUrl, topic, 3, null);
        List<GenericRecord> asV1 = consume(bootstrap, registryUrl, topic, 3, V1);
        asWritten.forEach(r -> out.println("read as written: " + r));
        asV1.forEach(r -> out.println("read by a v1 consumer: " + r));
        return new Result(v1, v2, refused, asWritten, asV1);
    }

    private static GenericRecord payment(Schema schema, String id, double amount, String currency) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("amount", amount);
        if (currency != null) {
            r.put("currency", currency);
        }
        return r;
    }

    private static void createTopic(String bootstrap, String topic) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topic " + topic, e.getCause());
            }
        }
    }

    private static void produce(String bootstrap, String registryUrl, String topic, List<GenericRecord> values) {
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

    private static List<GenericRecord> consume(String bootstrap, String registryUrl, String topic, int count,
                                               Schema reader) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaAvroDeserializer avro = new KafkaAvroDeserializer(
                new CachedSchemaRegistryClient(registryUrl, 100), Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl), reader);
        List<GenericRecord> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.currentTimeMillis() + 30_000;
            while (records.size() < count && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> records.add((GenericRecord) avro.deserialize(topic, r.value())));
            }
        }
        return records;
    }
}
