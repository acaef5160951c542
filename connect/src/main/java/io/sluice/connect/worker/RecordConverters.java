package io.sluice.connect.worker;

import io.sluice.connect.plugins.PluginType;
import io.sluice.connect.plugins.Plugins;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;

import java.util.HashMap;
import java.util.Map;

/**
 * The key, value and header converters of one task. A connector that names its own converter class
 * ({@code key.converter=...}) configures it with its own {@code key.converter.*} settings; otherwise the worker's
 * converter and settings apply, as in Kafka Connect.
 */
public final class RecordConverters implements AutoCloseable {
    final Converter key;
    final Converter value;
    final HeaderConverter headers;

    private RecordConverters(Converter key, Converter value, HeaderConverter headers) {
        this.key = key;
        this.value = value;
        this.headers = headers;
    }

    public static RecordConverters of(Map<String, String> connectorConfig, WorkerConfig worker, Plugins plugins) {
        Converter key = plugins.newPlugin(className(connectorConfig, worker, WorkerConfig.KEY_CONVERTER),
                PluginType.CONVERTER, Converter.class);
        key.configure(settings(connectorConfig, worker, WorkerConfig.KEY_CONVERTER), true);
        Converter value = plugins.newPlugin(className(connectorConfig, worker, WorkerConfig.VALUE_CONVERTER),
                PluginType.CONVERTER, Converter.class);
        value.configure(settings(connectorConfig, worker, WorkerConfig.VALUE_CONVERTER), false);
        HeaderConverter headers = plugins.newPlugin(className(connectorConfig, worker, WorkerConfig.HEADER_CONVERTER),
                PluginType.HEADER_CONVERTER, HeaderConverter.class);
        headers.configure(settings(connectorConfig, worker, WorkerConfig.HEADER_CONVERTER));
        return new RecordConverters(key, value, headers);
    }

    private static String className(Map<String, String> connectorConfig, WorkerConfig worker, String key) {
        String own = connectorConfig.get(key);
        return own != null && !own.isBlank() ? own.trim() : worker.getString(key);
    }

    private static Map<String, Object> settings(Map<String, String> connectorConfig, WorkerConfig worker, String key) {
        Map<String, Object> settings = new HashMap<>();
        String prefix = key + ".";
        String own = connectorConfig.get(key);
        if (own != null && !own.isBlank()) {
            connectorConfig.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    settings.put(k.substring(prefix.length()), v);
                }
            });
        } else {
            settings.putAll(worker.originalsWithPrefix(prefix));
        }
        return settings;
    }

    /** Connect headers → Kafka record headers, each value through the header converter. */
    RecordHeaders toKafka(String topic, Headers connectHeaders) {
        RecordHeaders out = new RecordHeaders();
        if (connectHeaders != null) {
            for (Header header : connectHeaders) {
                out.add(header.key(), headers.fromConnectHeader(topic, header.key(), header.schema(), header.value()));
            }
        }
        return out;
    }

    /** Kafka record headers → Connect headers. */
    ConnectHeaders toConnect(String topic, org.apache.kafka.common.header.Headers kafkaHeaders) {
        ConnectHeaders out = new ConnectHeaders();
        for (org.apache.kafka.common.header.Header header : kafkaHeaders) {
            SchemaAndValue value = headers.toConnectHeader(topic, header.key(), header.value());
            out.add(header.key(), value);
        }
        return out;
    }

    @Override
    public void close() {
        Utils.closeQuietly(key, "key converter");
        Utils.closeQuietly(value, "value converter");
        Utils.closeQuietly(headers, "header converter");
    }
}
