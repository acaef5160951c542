package io.sluice.connect.storage;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Where source offsets live, as Kafka Connect keeps them: serialized keys {@code ["<connector>",{partition}]} to
 * serialized offsets. Standalone workers keep them in a file; distributed and exactly-once workers in a compacted
 * topic, where they can commit in the same transaction as the records they describe.
 */
public interface OffsetStore {
    /** The stored offset for {@code key}, or null. */
    ByteBuffer get(ByteBuffer key);

    /** Stores every entry; a null value removes its key. Durable when this returns. */
    void putAll(Map<ByteBuffer, ByteBuffer> entries);

    /**
     * The stored offsets of {@code keys} (absent keys left out), all read from one consistent, caught-up view: a
     * topic-backed store catches up with its topic once per call, not once per key.
     */
    default Map<ByteBuffer, ByteBuffer> getAll(Collection<ByteBuffer> keys) {
        Map<ByteBuffer, ByteBuffer> result = new HashMap<>();
        for (ByteBuffer key : keys) {
            ByteBuffer value = get(key);
            if (value != null) {
                result.put(key, value);
            }
        }
        return result;
    }

    /** Every stored key and offset (for {@code GET /connectors/{c}/offsets}), caught up like {@link #getAll}. */
    Map<ByteBuffer, ByteBuffer> all();
}
