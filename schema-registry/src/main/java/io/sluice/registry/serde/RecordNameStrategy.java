package io.sluice.registry.serde;

import org.apache.avro.Schema;

/** The record's full name: one lineage per record type, whatever topics it goes to. */
public final class RecordNameStrategy implements SubjectNameStrategy {
    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return schema.getFullName();
    }
}
