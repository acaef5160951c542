package io.sluice.registry.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.registry.schema.AvroSchemas;
import io.sluice.registry.schema.SchemaReference;
import org.apache.avro.Schema;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A registry client over HTTP that remembers what it learned: schema → id per subject, id → schema, and (for
 * {@code latestTtlMs}, if the client was built with one) the latest version of a subject. Ids never change meaning, so the first two are cached
 * without expiry. Several base URLs may be given (comma-separated); each call tries them in order until one
 * answers.
 */
public final class CachedSchemaRegistryClient implements SchemaRegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final int LEADERLESS_RETRIES = 6;

    private final List<String> baseUrls;
    private final int capacity;
    private final long latestTtlMs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, Map<String, Integer>> idBySubjectSchema = new ConcurrentHashMap<>();
    // Serializers call register/getId once per record with the same Schema object: keying by the parsed Schema
    // (hash code cached by Avro, equals by identity first) skips Schema.toString(), a JSON rendering per record.
    private final Map<String, Map<Schema, Integer>> idBySubjectParsed = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
    private final Map<String, Latest> latestBySubject = new ConcurrentHashMap<>();

    private record Latest(SchemaMetadata metadata, long fetchedAtMs) {
    }

    /** A client that always asks the registry for a subject's latest version. */
    public CachedSchemaRegistryClient(String baseUrls, int capacity) {
        this(baseUrls, capacity, 0);
    }

    /**
     * @param latestTtlMs how long a subject's latest version stays cached: 0 not at all, negative until this client
     *                    is dropped (what serializers with {@code use.latest.version} want by default)
     */
    public CachedSchemaRegistryClient(String baseUrls, int capacity, long latestTtlMs) {
        List<String> urls = new ArrayList<>();
        for (String url : baseUrls.split(",")) {
            String u = url.trim();
            while (u.endsWith("/")) {
                u = u.substring(0, u.length() - 1);
            }
            if (!u.isEmpty()) {
                urls.add(u);
            }
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("No schema registry URL given");
        }
        this.baseUrls = List.copyOf(urls);
        this.capacity = capacity;
        this.latestTtlMs = latestTtlMs;
    }

    @Override
    public int register(String subject, Schema schema) throws IOException, RestClientException {
        Map<Schema, Integer> ids = subjectCache(idBySubjectParsed, subject);
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        int id = register(subject, schema.toString(), List.of());
        ids.put(schema, id);
        return id;
    }

    @Override
    public int register(String subject, String schema, List<SchemaReference> references)
            throws IOException, RestClientException {
        Map<String, Integer> ids = subjectCache(idBySubjectSchema, subject);
        String key = schema + references;
        Integer cached = ids.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema, references));
        int id = answer.get("id").asInt();
        ids.put(key, id);
        return id;
    }

    @Override
    public int getId(String subject, Schema schema) throws IOException, RestClientException {
        Map<Schema, Integer> parsed = subjectCache(idBySubjectParsed, subject);
        Integer cached = parsed.get(schema);
        if (cached != null) {
            return cached;
        }
        Map<String, Integer> ids = subjectCache(idBySubjectSchema, subject);
        String key = schema.toString() + List.of();
        cached = ids.get(key);
        if (cached == null) {
            JsonNode answer = send("POST", "/subjects/" + enc(subject), schemaBody(schema.toString(), List.of()));
            cached = answer.get("id").asInt();
            ids.put(key, cached);
        }
        parsed.put(schema, cached);
        return cached;
    }

    private <K> Map<K, Integer> subjectCache(Map<String, Map<K, Integer>> caches, String subject) {
        Map<K, Integer> ids = caches.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        if (ids.size() >= capacity) {
            // A subject with this many distinct schemas means schemas are being generated per record: stop caching
            // rather than grow without bound (the registry still answers correctly).
            ids.clear();
        }
        return ids;
    }

    @Override
    public Schema getSchemaById(int id) throws IOException, RestClientException {
        Schema cached = schemaById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(answer.get("schema").asText(), references(answer));
        schemaById.put(id, schema);
        return schema;
    }

    private Schema parse(String text, List<SchemaReference> references) throws IOException, RestClientException {
        Map<String, String> texts = new LinkedHashMap<>();
        collect(references, texts);
        return AvroSchemas.parse(text, new ArrayList<>(texts.values())).schema();
    }

    private void collect(List<SchemaReference> references, Map<String, String> into)
            throws IOException, RestClientException {
        for (SchemaReference ref : references) {
            String key = ref.subject() + "\u0000" + ref.version();
            if (into.containsKey(key)) {
                continue;
            }
            SchemaMetadata target = getSchemaMetadata(ref.subject(), ref.version());
            collect(target.references(), into);
            into.put(key, target.schema());
        }
    }

    @Override
    public SchemaMetadata getLatestSchemaMetadata(String subject) throws IOException, RestClientException {
        Latest latest = latestBySubject.get(subject);
        long now = System.currentTimeMillis();
        if (latest != null && latestTtlMs != 0 && (latestTtlMs < 0 || now - latest.fetchedAtMs() < latestTtlMs)) {
            return latest.metadata();
        }
        SchemaMetadata metadata = metadata(send("GET", "/subjects/" + enc(subject) + "/versions/latest", null));
        latestBySubject.put(subject, new Latest(metadata, now));
        return metadata;
    }

    @Override
    public SchemaMetadata getSchemaMetadata(String subject, int version) throws IOException, RestClientException {
        return metadata(send("GET", "/subjects/" + enc(subject) + "/versions/" + version, null));
    }

    private static SchemaMetadata metadata(JsonNode node) {
        return new SchemaMetadata(node.get("subject").asText(), node.get("version").asInt(), node.get("id").asInt(),
                node.get("schema").asText(), references(node));
    }

    private static List<SchemaReference> references(JsonNode node) {
        if (!node.hasNonNull("references")) {
            return List.of();
        }
        return JSON.convertValue(node.get("references"), new TypeReference<List<SchemaReference>>() { });
    }

    @Override
    public List<String> getAllSubjects() throws IOException, RestClientException {
        return JSON.convertValue(send("GET", "/subjects", null), new TypeReference<List<String>>() { });
    }

    @Override
    public List<Integer> getAllVersions(String subject) throws IOException, RestClientException {
        return JSON.convertValue(send("GET", "/subjects/" + enc(subject) + "/versions", null),
                new TypeReference<List<Integer>>() { });
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) throws IOException, RestClientException {
        return send("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest",
                schemaBody(schema.toString(), List.of())).get("is_compatible").asBoolean();
    }

    @Override
    public String updateCompatibility(String subject, String level) throws IOException, RestClientException {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        return send("PUT", subject == null ? "/config" : "/config/" + enc(subject), body.toString())
                .get("compatibility").asText();
    }

    @Override
    public String getCompatibility(String subject) throws IOException, RestClientException {
        return send("GET", subject == null ? "/config" : "/config/" + enc(subject), null)
                .get("compatibilityLevel").asText();
    }

    @Override
    public List<Integer> deleteSubject(String subject, boolean permanent) throws IOException, RestClientException {
        List<Integer> versions = JSON.convertValue(send("DELETE", "/subjects/" + enc(subject)
                + (permanent ? "?permanent=true" : ""), null), new TypeReference<List<Integer>>() { });
        idBySubjectSchema.remove(subject);
        idBySubjectParsed.remove(subject);
        latestBySubject.remove(subject);
        return versions;
    }

    @Override
    public int deleteSchemaVersion(String subject, String version, boolean permanent)
            throws IOException, RestClientException {
        int deleted = send("DELETE", "/subjects/" + enc(subject) + "/versions/" + enc(version)
                + (permanent ? "?permanent=true" : ""), null).asInt();
        idBySubjectSchema.remove(subject);
        idBySubjectParsed.remove(subject);
        latestBySubject.remove(subject);
        return deleted;
    }

    @Override
    public String getMode(String subject) throws IOException, RestClientException {
        return send("GET", subject == null ? "/mode" : "/mode/" + enc(subject), null).get("mode").asText();
    }

    @Override
    public String setMode(String subject, String mode) throws IOException, RestClientException {
        ObjectNode body = JSON.createObjectNode().put("mode", mode);
        return send("PUT", subject == null ? "/mode" : "/mode/" + enc(subject), body.toString()).get("mode").asText();
    }

    private static String schemaBody(String schema, List<SchemaReference> references) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema);
        if (!references.isEmpty()) {
            body.set("references", JSON.valueToTree(references));
        }
        return body.toString();
    }

    private static String enc(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Sends one request, retrying a few times while the registry reports that it is between leaders (50003
     * forwarding failed, 50004 unknown leader): an election takes a moment, and the write is safe to repeat
     * (registering an already registered schema returns its id).
     */
    private JsonNode send(String method, String path, String body) throws IOException, RestClientException {
        for (int attempt = 1; ; attempt++) {
            try {
                return sendOnce(method, path, body);
            } catch (RestClientException e) {
                boolean leaderless = e.errorCode() == 50003 || e.errorCode() == 50004;
                if (!leaderless || attempt >= LEADERLESS_RETRIES) {
                    throw e;
                }
                try {
                    Thread.sleep(100L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private JsonNode sendOnce(String method, String path, String body) throws IOException, RestClientException {
        IOException last = null;
        for (String base : baseUrls) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Accept", CONTENT_TYPE)
                    .header("Content-Type", CONTENT_TYPE)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body))
                    .build();
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while calling the schema registry", e);
            }
            if (response.statusCode() / 100 != 2) {
                int code = response.statusCode();
                String message = response.body();
                try {
                    JsonNode error = JSON.readTree(response.body());
                    code = error.path("error_code").asInt(code);
                    message = error.path("message").asText(message);
                } catch (IOException notJson) {
                    // keep the raw body as the message
                }
                throw new RestClientException(message, response.statusCode(), code);
            }
            return JSON.readTree(response.body());
        }
        throw last;
    }
}
