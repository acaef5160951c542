package io.sluice.registry.client;

import io.sluice.registry.schema.SchemaReference;

import java.util.List;

/** A registered subject version as the client sees it. */
public record SchemaMetadata(String subject, int version, int id, String schema, List<SchemaReference> references) {
}
