package io.sluice.registry.store;

import io.sluice.registry.schema.AvroSchemas;
import io.sluice.registry.schema.SchemaReference;

import java.util.List;

/**
 * One version of one subject: the value of a SCHEMA record in the store topic. {@code schema} is the canonical
 * text; {@code deleted} marks a soft delete (the id still resolves, the version is hidden unless asked for).
 */
public record SchemaVersion(String subject, int version, int id, String schema, String schemaType,
                            List<SchemaReference> references, boolean deleted) {

    public SchemaVersion {
        schemaType = schemaType == null ? AvroSchemas.TYPE : schemaType;
        references = references == null ? List.of() : List.copyOf(references);
    }

    public SchemaVersion withDeleted(boolean deleted) {
        return new SchemaVersion(subject, version, id, schema, schemaType, references, deleted);
    }

    /** What makes two registrations "the same schema": equal content gets the same id in every subject. */
    public Content content() {
        return new Content(schema, schemaType, references);
    }

    public record Content(String schema, String schemaType, List<SchemaReference> references) {
    }
}
