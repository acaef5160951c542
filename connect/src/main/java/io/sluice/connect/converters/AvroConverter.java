package io.sluice.connect.converters;

import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.RestClientException;
import io.sluice.registry.client.SchemaMetadata;
import io.sluice.registry.client.SchemaRegistryClient;
import io.sluice.registry.serde.SubjectNameStrategy;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Values;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connect data as Avro in Confluent's wire format (byte 0, the 4-byte big-endian schema id, the Avro binary
 * encoding), with schemas kept in Sluice's (or any Confluent-compatible) schema registry: {@code
 * value.converter=io.sluice.connect.converters.AvroConverter} with {@code value.converter.schema.registry.url}.
 * Configs naming Confluent's {@code io.confluent.connect.avro.AvroConverter} get this one.
 *
 * <p>Writing: the Connect schema is translated ({@link ConnectToAvro}) and, per {@code auto.register.schemas}
 * (default true), registered under the subject the strategy names ({@code <topic>-key}/{@code <topic>-value} by
 * default) or looked up there; with {@code use.latest.version} the subject's latest schema is used instead.
 * Reading: the writer schema comes from the registry by id and is translated back ({@link AvroToConnect}). A null
 * value stays null both ways (tombstones pass through).
 */
public class AvroConverter implements Converter, Versioned {
    private static final byte MAGIC_BYTE = 0;

    private SchemaRegistryClient client;
    private AvroConverterConfig config;
    private boolean isKey;
    private SubjectNameStrategy strategy;
    private ConnectToAvro toAvro;
    private final AvroToConnect toConnect = new AvroToConnect();
    private final Map<org.apache.avro.Schema, GenericDatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<Integer, Reading> readings = new ConcurrentHashMap<>();

    /** What reading records of one schema id needs, built once per id. */
    private record Reading(org.apache.avro.Schema writer, DatumReader<Object> reader, Schema connect) {
    }

    public AvroConverter() {
    }

    /** A converter on a given client (tests, embedding). */
    public AvroConverter(SchemaRegistryClient client) {
        this.client = client;
    }

    @Override
    public ConfigDef config() {
        return AvroConverterConfig.DEF;
    }

    @Override
    public String version() {
        return io.sluice.connect.worker.WorkerInfo.VERSION;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = new AvroConverterConfig(configs);
        this.isKey = isKey;
        this.strategy = config.subjectNameStrategy(isKey);
        this.toAvro = new ConnectToAvro(config.getBoolean(AvroConverterConfig.CONNECT_META_DATA),
                config.getInt(AvroConverterConfig.SCHEMAS_CACHE_SIZE));
        if (client == null) {
            client = new CachedSchemaRegistryClient(config.registryUrls(),
                    config.getInt(AvroConverterConfig.MAX_SCHEMAS_PER_SUBJECT), config.latestTtlMs());
        }
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (schema == null) {
            schema = Values.inferSchema(value);
            if (schema == null) {
                throw new DataException("AvroConverter needs a schema; cannot infer one for a "
                        + value.getClass().getName() + " in topic " + topic);
            }
        }
        org.apache.avro.Schema avroSchema = toAvro.schema(schema);
        String subject = strategy.subjectName(topic, isKey, avroSchema);
        int id;
        org.apache.avro.Schema writeWith = avroSchema;
        try {
            if (config.getBoolean(AvroConverterConfig.USE_LATEST_VERSION)) {
                SchemaMetadata latest = client.getLatestSchemaMetadata(subject);
                id = latest.id();
                writeWith = client.getSchemaById(id);
            } else if (config.getBoolean(AvroConverterConfig.AUTO_REGISTER_SCHEMAS)) {
                id = client.register(subject, avroSchema);
            } else {
                id = client.getId(subject, avroSchema);
            }
        } catch (IOException | RestClientException e) {
            throw new DataException("Failed to access Avro data from topic " + topic + ": cannot "
                    + (config.getBoolean(AvroConverterConfig.AUTO_REGISTER_SCHEMAS) ? "register" : "find")
                    + " the schema in subject " + subject + ": " + e.getMessage(), e);
        }
        Object avroValue = toAvro.value(schema, writeWith, value);
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writers.computeIfAbsent(writeWith, s -> new GenericDatumWriter<>(s, GenericData.get()))
                    .write(avroValue, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new DataException("Failed to serialize Avro data from topic " + topic + " with schema id " + id
                    + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        if (buffer.remaining() < 5 || buffer.get() != MAGIC_BYTE) {
            throw new DataException("Failed to deserialize data for topic " + topic
                    + " to Avro: Unknown magic byte! (not in Confluent's Avro wire format)");
        }
        int id = buffer.getInt();
        Reading reading = readings.get(id);
        if (reading == null) {
            org.apache.avro.Schema writer;
            try {
                writer = client.getSchemaById(id);
            } catch (IOException | RestClientException e) {
                throw new DataException("Failed to deserialize data for topic " + topic + ": cannot fetch Avro schema "
                        + id + ": " + e.getMessage(), e);
            }
            reading = new Reading(writer, new GenericDatumReader<>(writer, writer, GenericData.get()),
                    toConnect.schema(writer));
            readings.put(id, reading);
        }
        try {
            Object avroValue = reading.reader().read(null,
                    DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
            return new SchemaAndValue(reading.connect(), toConnect.value(reading.connect(), reading.writer(), avroValue));
        } catch (IOException | RuntimeException e) {
            throw new DataException("Failed to deserialize data for topic " + topic + " with Avro schema id " + id
                    + ": " + e.getMessage(), e);
        }
    }
}
