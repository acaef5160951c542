package io.sluice.connect.worker;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;

import java.util.Map;

/**
 * A test transformation that passes records through unchanged, sleeping a millisecond every {@code every} records:
 * a source that cannot outrun a crash test's kills on a fast machine.
 */
public final class ThrottleTransform<R extends ConnectRecord<R>> implements Transformation<R> {
    private int every = 10;
    private long seen;

    @Override
    public void configure(Map<String, ?> configs) {
        Object value = configs.get("every");
        if (value != null) {
            every = Integer.parseInt(value.toString());
        }
    }

    @Override
    public R apply(R record) {
        if (++seen % every == 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return record;
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define("every", ConfigDef.Type.INT, 10, ConfigDef.Importance.LOW,
                "Sleep 1 ms every this many records.");
    }

    @Override
    public void close() {
    }
}
