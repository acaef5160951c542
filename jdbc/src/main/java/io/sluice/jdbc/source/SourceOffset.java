package io.sluice.jdbc.source;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a table's reading stands, in Confluent's offset format so offsets written by its connector resume here:
 * {@code {"incrementing": n, "timestamp": epoch ms, "timestamp_nanos": nanos of that second}}. A field is absent
 * when the mode does not use it; an offset with neither field means "from the beginning".
 */
record SourceOffset(Instant timestamp, Long incrementing) {
    static final String INCREMENTING = "incrementing";
    static final String TIMESTAMP = "timestamp";
    static final String TIMESTAMP_NANOS = "timestamp_nanos";
    static final SourceOffset START = new SourceOffset(null, null);

    static SourceOffset fromMap(Map<String, ?> map) {
        if (map == null) {
            return START;
        }
        Long incrementing = map.get(INCREMENTING) instanceof Number n ? n.longValue() : null;
        Instant timestamp = null;
        if (map.get(TIMESTAMP) instanceof Number millis) {
            timestamp = Instant.ofEpochMilli(millis.longValue());
            if (map.get(TIMESTAMP_NANOS) instanceof Number nanos) {
                timestamp = Instant.ofEpochSecond(Math.floorDiv(millis.longValue(), 1000L), nanos.longValue());
            }
        }
        return new SourceOffset(timestamp, incrementing);
    }

    Map<String, Object> toMap() {
        Map<String, Object> map = new HashMap<>();
        if (incrementing != null) {
            map.put(INCREMENTING, incrementing);
        }
        if (timestamp != null) {
            map.put(TIMESTAMP, timestamp.toEpochMilli());
            map.put(TIMESTAMP_NANOS, (long) timestamp.getNano());
        }
        return map;
    }

    /** The timestamp to read after; Confluent starts at the epoch. */
    Instant timestampOrStart() {
        return timestamp != null ? timestamp : Instant.EPOCH;
    }

    /** The incrementing value to read after; Confluent starts above -1. */
    long incrementingOrStart() {
        return incrementing != null ? incrementing : -1L;
    }
}
