package io.sluice.connect.converters;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Bytes through unchanged, for keys, values and headers. The same contract as Kafka's
 * {@code org.apache.kafka.connect.converters.ByteArrayConverter}, which lives in {@code connect-runtime}; configs
 * naming Kafka's class get this one.
 */
public final class ByteArrayConverter implements Converter, HeaderConverter, Versioned {

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (schema != null && schema.type() != Schema.Type.BYTES) {
            throw new DataException("Invalid schema type for ByteArrayConverter: " + schema.type());
        }
        if (value != null && !(value instanceof byte[]) && !(value instanceof ByteBuffer)) {
            throw new DataException("ByteArrayConverter is not compatible with objects of type " + value.getClass());
        }
        return value instanceof ByteBuffer buffer ? Utils.toArray(buffer) : (byte[]) value;
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        return new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, value);
    }

    @Override
    public byte[] fromConnectHeader(String topic, String headerKey, Schema schema, Object value) {
        return fromConnectData(topic, schema, value);
    }

    @Override
    public SchemaAndValue toConnectHeader(String topic, String headerKey, byte[] value) {
        return toConnectData(topic, value);
    }

    @Override
    public String version() {
        return io.sluice.connect.worker.WorkerInfo.VERSION;
    }

    @Override
    public void close() {
    }
}
