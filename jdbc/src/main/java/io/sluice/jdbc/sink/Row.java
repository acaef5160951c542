package io.sluice.jdbc.sink;

import org.apache.kafka.connect.sink.SinkRecord;

/** One record made into a row: the values of its shape's key and value columns, in the shape's order. */
record Row(RowShape shape, Object[] keys, Object[] values, SinkRecord record) {
}
