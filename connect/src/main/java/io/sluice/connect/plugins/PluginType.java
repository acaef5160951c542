package io.sluice.connect.plugins;

import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

/** The kinds of plugin a worker loads, with the names Kafka Connect's REST API gives them. */
public enum PluginType {
    SOURCE(SourceConnector.class, "source", "Connector"),
    SINK(SinkConnector.class, "sink", "Connector"),
    CONVERTER(Converter.class, "converter", "Converter"),
    HEADER_CONVERTER(HeaderConverter.class, "header_converter", "Converter"),
    TRANSFORMATION(Transformation.class, "transformation", "Transformation"),
    PREDICATE(Predicate.class, "predicate", "Predicate");

    private final Class<?> api;
    private final String restName;
    private final String aliasSuffix;

    PluginType(Class<?> api, String restName, String aliasSuffix) {
        this.api = api;
        this.restName = restName;
        this.aliasSuffix = aliasSuffix;
    }

    /** The API class (shared with every plugin's class loader) that plugins of this kind implement. */
    public Class<?> api() {
        return api;
    }

    /** {@code "source"}, {@code "sink"}, ... as in {@code GET /connector-plugins}. */
    public String restName() {
        return restName;
    }

    /** The suffix Kafka drops from a class's simple name to make its short alias ("FileStreamSource"). */
    String aliasSuffix() {
        return aliasSuffix;
    }

    public boolean isConnector() {
        return this == SOURCE || this == SINK;
    }

    @Override
    public String toString() {
        return restName;
    }
}
