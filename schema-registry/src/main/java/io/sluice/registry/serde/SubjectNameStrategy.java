package io.sluice.registry.serde;

import org.apache.avro.Schema;

/** Chooses the subject a record's schema is registered and looked up under. */
public interface SubjectNameStrategy {
    String subjectName(String topic, boolean isKey, Schema schema);
}
