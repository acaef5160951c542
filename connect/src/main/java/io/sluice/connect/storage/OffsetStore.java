package io.sluice.connect.storage;

import java.nio.ByteBuffer;
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
}
