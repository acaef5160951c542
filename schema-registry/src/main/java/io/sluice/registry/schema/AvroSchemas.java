package io.sluice.registry.schema;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParseException;

import java.util.ArrayList;
import java.util.List;

/**
 * Parsing, canonical form and compatibility for Avro schemas.
 *
 * <p>The canonical form is what the registry stores and compares: the schema parsed by Avro and printed back
 * compactly. Whitespace and the order of JSON attributes inside a definition therefore never make a new id,
 * while everything that changes meaning (field order, defaults, aliases, logical types, custom properties) is
 * kept. Types that come from references are printed by name, not inlined, so the stored text stays the text
 * the user registered modulo formatting.
 */
public final class AvroSchemas {
    public static final String TYPE = "AVRO";

    private AvroSchemas() {
    }

    /** A parsed schema and its canonical text. */
    public record Parsed(Schema schema, String canonical) {
    }

    /**
     * Parses {@code text}; {@code referencedTexts} are the texts of every referenced schema, dependencies
     * first (what {@link #parse} needs to resolve names the main schema uses but does not define).
     *
     * @throws IllegalArgumentException with a readable message when the text is not a valid Avro schema
     */
    public static Parsed parse(String text, List<String> referencedTexts) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("Empty schema");
        }
        Schema.Parser parser = new Schema.Parser();
        try {
            for (String referenced : referencedTexts) {
                parser.parse(referenced);
            }
            List<Schema> known = new ArrayList<>(parser.getTypes().values());
            Schema schema = parser.parse(text);
            String canonical = known.isEmpty() ? schema.toString() : schema.toString(known, false);
            return new Parsed(schema, canonical);
        } catch (SchemaParseException | NullPointerException | ClassCastException e) {
            // Avro reports some malformed inputs (e.g. a non-string "name") as NPE/CCE rather than parse errors.
            throw new IllegalArgumentException("Invalid schema: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid schema: " + e.getMessage(), e);
        }
    }

    public static Parsed parse(String text) {
        return parse(text, List.of());
    }

    /**
     * Why {@code candidate} may not follow {@code previous} (newest first) under {@code level}; empty when it may.
     * Non-transitive levels look at the newest previous schema only.
     */
    public static List<String> incompatibilities(Schema candidate, List<Schema> previous, CompatibilityLevel level) {
        List<String> problems = new ArrayList<>();
        if (level == CompatibilityLevel.NONE || previous.isEmpty()) {
            return problems;
        }
        List<Schema> toCheck = level.transitive ? previous : previous.subList(0, 1);
        for (Schema old : toCheck) {
            if (level.backward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old), "BACKWARD", problems);
            }
            if (level.forward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(old, candidate), "FORWARD", problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility pair, String direction,
                                 List<String> into) {
        if (pair.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (SchemaCompatibility.Incompatibility incompatibility : pair.getResult().getIncompatibilities()) {
            into.add("{direction:" + direction + ", type:" + incompatibility.getType()
                    + ", location:" + incompatibility.getLocation()
                    + ", message:" + incompatibility.getMessage()
                    + ", reader:" + pair.getReader() + ", writer:" + pair.getWriter() + "}");
        }
    }
}
