package io.sluice.connect.testplugins;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;

import java.util.Map;

/** Passes records through, but throws on one whose value is listed in {@code poison} (comma-separated). */
public final class ThrowingTransform<R extends ConnectRecord<R>> implements Transformation<R> {
    private java.util.Set<String> poison = java.util.Set.of();

    @Override
    public void configure(Map<String, ?> configs) {
        Object listed = configs.get("poison");
        poison = listed == null ? java.util.Set.of() : java.util.Set.of(listed.toString().split(","));
    }

    @Override
    public R apply(R record) {
        if (poison.contains(String.valueOf(record.value()))) {
            throw new IllegalStateException("poisoned record " + record.value());
        }
        return record;
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define("poison", ConfigDef.Type.LIST, "", ConfigDef.Importance.LOW, "Values that throw.");
    }

    @Override
    public void close() {
    }
}
