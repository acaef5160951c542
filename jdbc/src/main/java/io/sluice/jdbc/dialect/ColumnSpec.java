package io.sluice.jdbc.dialect;

import org.apache.kafka.connect.data.Schema;

/** A column the sink wants: its name and the Connect schema of the values it holds. */
public record ColumnSpec(String name, Schema schema) {
}
