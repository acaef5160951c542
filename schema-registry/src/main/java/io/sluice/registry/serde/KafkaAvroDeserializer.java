package io.sluice.registry.serde;

import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.RestClientException;
import io.sluice.registry.client.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka deserializer for Confluent's Avro wire format. The writer schema comes from the registry by the id in
 * the message; the reader schema is, in order: the one passed to {@link #deserialize(String, byte[], Schema)},
 * the generated class's schema when {@code specific.avro.reader=true}, else the writer schema. Avro's schema
 * resolution fills in defaults and drops unknown fields when reader and writer differ.
 */
public class KafkaAvroDeserializer implements Deserializer<Object> {
    private SchemaRegistryClient client;
    private AvroSerdeConfig config;
    private Schema readerSchema;
    private final Map<String, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    public KafkaAvroDeserializer() {
    }

    public KafkaAvroDeserializer(SchemaRegistryClient client) {
        this.client = client;
    }

    /** A deserializer that reads every message with {@code readerSchema} (generic records). */
    public KafkaAvroDeserializer(SchemaRegistryClient client, Map<String, ?> configs, Schema readerSchema) {
        this.client = client;
        this.readerSchema = readerSchema;
        configure(configs, false);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = new AvroSerdeConfig(configs);
        if (client == null) {
            client = new CachedSchemaRegistryClient(config.requireUrl(), config.maxSchemasPerSubject, config.latestTtlMs);
        }
    }

    @Override
    public Object deserialize(String topic, byte[] data) {
        return deserialize(topic, data, readerSchema);
    }

    public Object deserialize(String topic, byte[] data, Schema reader) {
        if (data == null) {
            return null;
        }
        if (config == null) {
            configure(Map.of(), false);
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        if (buffer.remaining() < 5 || buffer.get() != KafkaAvroSerializer.MAGIC_BYTE) {
            throw new SerializationException("Unknown magic byte!");
        }
        int id = buffer.getInt();
        Schema writer;
        try {
            writer = client.getSchemaById(id);
        } catch (IOException | RestClientException e) {
            throw new SerializationException("Error retrieving Avro schema for id " + id + ": " + e.getMessage(), e);
        }
        try {
            DatumReader<Object> datumReader = reader(id, writer, reader);
            Object value = datumReader.read(null,
                    DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null));
            if (writer.getType() == Schema.Type.STRING && value instanceof Utf8) {
                return value.toString();
            }
            if (writer.getType() == Schema.Type.BYTES && value instanceof ByteBuffer bytes) {
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                return copy;
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Error deserializing Avro message for id " + id, e);
        }
    }

    private DatumReader<Object> reader(int id, Schema writer, Schema explicitReader) {
        String key = id + "/" + (explicitReader == null ? "" : explicitReader.toString());
        return readers.computeIfAbsent(key, k -> {
            if (explicitReader != null) {
                return config.specificReader ? new SpecificDatumReader<>(writer, explicitReader)
                        : new GenericDatumReader<>(writer, explicitReader);
            }
            if (config.specificReader && writer.getType() == Schema.Type.RECORD) {
                Class<?> generated = SpecificData.get().getClass(writer);
                if (generated == null) {
                    throw new SerializationException("Could not find class " + writer.getFullName()
                            + " specified in writer's schema whilst finding reader's schema for a SpecificRecord.");
                }
                return new SpecificDatumReader<>(writer, SpecificData.get().getSchema(generated));
            }
            return new GenericDatumReader<>(writer);
        });
    }
}
