package io.sluice.registry.serde;

import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.RestClientException;
import io.sluice.registry.client.SchemaMetadata;
import io.sluice.registry.client.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka serializer for Avro values and keys in Confluent's wire format: byte 0 (magic), the schema id as a
 * 4-byte big-endian int, then the Avro binary encoding. Accepts generic and specific records and the Avro
 * primitives (null, Boolean, Integer, Long, Float, Double, CharSequence, byte[], ByteBuffer).
 *
 * <p>Which id: with {@code use.latest.version} the latest version of the subject (the data is written with that
 * schema); else with {@code auto.register.schemas} (the default) the record's own schema, registered if new;
 * else the record's schema, which must already be registered in the subject.
 */
public class KafkaAvroSerializer implements Serializer<Object> {
    public static final byte MAGIC_BYTE = 0;

    private SchemaRegistryClient client;
    private AvroSerdeConfig config;
    private boolean isKey;
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();

    public KafkaAvroSerializer() {
    }

    public KafkaAvroSerializer(SchemaRegistryClient client) {
        this.client = client;
    }

    public KafkaAvroSerializer(SchemaRegistryClient client, Map<String, ?> configs) {
        this.client = client;
        configure(configs, false);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = new AvroSerdeConfig(configs);
        this.isKey = isKey;
        if (client == null) {
            client = new CachedSchemaRegistryClient(config.requireUrl(), config.maxSchemasPerSubject, config.latestTtlMs);
        }
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null) {
            return null;
        }
        if (config == null) {
            configure(Map.of(), false);
        }
        Schema schema = schemaOf(data);
        SubjectNameStrategy strategy = isKey ? config.keyStrategy : config.valueStrategy;
        String subject = strategy.subjectName(topic, isKey, schema);
        int id;
        try {
            if (config.useLatestVersion) {
                SchemaMetadata latest = client.getLatestSchemaMetadata(subject);
                id = latest.id();
                schema = client.getSchemaById(id);
            } else if (config.autoRegister) {
                id = client.register(subject, schema);
            } else {
                id = client.getId(subject, schema);
            }
        } catch (IOException | RestClientException e) {
            throw new SerializationException("Error registering or finding Avro schema for subject " + subject + ": "
                    + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer(schema, data).write(data instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : data, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Error serializing Avro message with schema id " + id, e);
        }
        return out.toByteArray();
    }

    private DatumWriter<Object> writer(Schema schema, Object data) {
        return writers.computeIfAbsent(schema, s -> data instanceof SpecificRecord
                ? new SpecificDatumWriter<>(s) : new GenericDatumWriter<>(s));
    }

    /** The Avro schema of a value this serializer accepts. */
    public static Schema schemaOf(Object data) {
        if (data == null) {
            return Schema.create(Schema.Type.NULL);
        }
        if (data instanceof GenericContainer container) {
            return container.getSchema();
        }
        if (data instanceof Boolean) {
            return Schema.create(Schema.Type.BOOLEAN);
        }
        if (data instanceof Integer) {
            return Schema.create(Schema.Type.INT);
        }
        if (data instanceof Long) {
            return Schema.create(Schema.Type.LONG);
        }
        if (data instanceof Float) {
            return Schema.create(Schema.Type.FLOAT);
        }
        if (data instanceof Double) {
            return Schema.create(Schema.Type.DOUBLE);
        }
        if (data instanceof CharSequence) {
            return Schema.create(Schema.Type.STRING);
        }
        if (data instanceof byte[] || data instanceof ByteBuffer) {
            return Schema.create(Schema.Type.BYTES);
        }
        throw new SerializationException("Unsupported Avro type " + data.getClass().getName()
                + "; use a generic or specific record or an Avro primitive");
    }
}
