package io.sluice.jdbc.dialect;

/** A table, optionally qualified by its schema, as named in {@code table.name.format} ({@code schema.table}). */
public record TableId(String schema, String table) {
    public static TableId parse(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? new TableId(null, name) : new TableId(name.substring(0, dot), name.substring(dot + 1));
    }

    @Override
    public String toString() {
        return schema == null ? table : schema + "." + table;
    }
}
