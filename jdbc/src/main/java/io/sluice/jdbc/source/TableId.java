package io.sluice.jdbc.source;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * A table as the database's metadata names it (catalog and schema may be null). {@link #encode} gives the form
 * carried in a task's config: URL-encoded parts joined by '/', so names holding dots or commas survive.
 *
 * <p>{@link #key()} names the table in its topic and source partition: the bare name, as Confluent's connector
 * does, unless {@code qualifiedKey} — set when two copied tables share a name in different schemas, which
 * would otherwise share a topic and, worse, one offset.
 */
public record TableId(String catalog, String schema, String name, boolean qualifiedKey)
        implements Comparable<TableId> {
    public TableId(String catalog, String schema, String name) {
        this(catalog, schema, name, false);
    }
    private static final Comparator<TableId> ORDER = Comparator
            .comparing(TableId::catalog, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
            .thenComparing(TableId::schema, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
            .thenComparing(TableId::name);

    /** {@code schema.name}, or {@code name} when there is no schema. */
    public String qualifiedName() {
        return schema == null || schema.isEmpty() ? name : schema + "." + name;
    }

    /** The table's name in its topic and source partition. */
    public String key() {
        return qualifiedKey ? qualifiedName() : name;
    }

    TableId withQualifiedKey() {
        return new TableId(catalog, schema, name, true);
    }

    /** The table for a FROM clause, each part quoted with {@code quote} (empty for no quoting). */
    public String sql(String quote) {
        StringBuilder sql = new StringBuilder();
        if (catalog != null && !catalog.isEmpty()) {
            sql.append(Identifiers.quote(catalog, quote)).append('.');
        }
        if (schema != null && !schema.isEmpty()) {
            sql.append(Identifiers.quote(schema, quote)).append('.');
        }
        return sql.append(Identifiers.quote(name, quote)).toString();
    }

    /** Whether a table.include.list/exclude.list entry names this table (name or schema.name, any case). */
    public boolean matches(String entry) {
        return entry.equalsIgnoreCase(name) || entry.equalsIgnoreCase(qualifiedName());
    }

    public String encode() {
        return part(catalog) + "/" + part(schema) + "/" + part(name) + (qualifiedKey ? "/q" : "");
    }

    public static TableId decode(String encoded) {
        String[] parts = encoded.split("/", -1);
        if (parts.length != 3 && parts.length != 4) {
            throw new IllegalArgumentException("Not an encoded table id: " + encoded);
        }
        return new TableId(unpart(parts[0]), unpart(parts[1]), URLDecoder.decode(parts[2], StandardCharsets.UTF_8),
                parts.length == 4);
    }

    private static String part(String value) {
        return value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String unpart(String value) {
        return value.isEmpty() ? null : URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    @Override
    public int compareTo(TableId other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
