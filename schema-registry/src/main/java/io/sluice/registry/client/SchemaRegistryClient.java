package io.sluice.registry.client;

import io.sluice.registry.schema.SchemaReference;
import org.apache.avro.Schema;

import java.io.IOException;
import java.util.List;

/** What serializers and tools need from a registry. {@link CachedSchemaRegistryClient} talks to one over HTTP. */
public interface SchemaRegistryClient {

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its id. */
    int register(String subject, Schema schema) throws IOException, RestClientException;

    int register(String subject, String schema, List<SchemaReference> references) throws IOException, RestClientException;

    /** The id of {@code schema} in {@code subject}, without registering. */
    int getId(String subject, Schema schema) throws IOException, RestClientException;

    Schema getSchemaById(int id) throws IOException, RestClientException;

    SchemaMetadata getLatestSchemaMetadata(String subject) throws IOException, RestClientException;

    SchemaMetadata getSchemaMetadata(String subject, int version) throws IOException, RestClientException;

    List<String> getAllSubjects() throws IOException, RestClientException;

    List<Integer> getAllVersions(String subject) throws IOException, RestClientException;

    boolean testCompatibility(String subject, Schema schema) throws IOException, RestClientException;

    /** Sets the level of {@code subject}, or the global one when {@code subject} is null. */
    String updateCompatibility(String subject, String level) throws IOException, RestClientException;

    String getCompatibility(String subject) throws IOException, RestClientException;

    List<Integer> deleteSubject(String subject, boolean permanent) throws IOException, RestClientException;

    int deleteSchemaVersion(String subject, String version, boolean permanent) throws IOException, RestClientException;

    String getMode(String subject) throws IOException, RestClientException;

    String setMode(String subject, String mode) throws IOException, RestClientException;
}
