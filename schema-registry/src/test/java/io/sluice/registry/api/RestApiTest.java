package io.sluice.registry.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.testing.Http;
import io.sluice.registry.testing.Registries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every REST endpoint over real HTTP against a registry on a real in-process broker, errors included. */
class RestApiTest {
    static final String USER_V1 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.acme\",\"fields\":["
            + "{\"name\":\"name\",\"type\":\"string\"}]}";
    /** USER_V1 with other whitespace and attribute order: the same schema. */
    static final String USER_V1_REFORMATTED = "{ \"namespace\" : \"com.acme\", \"fields\" : [ { \"type\" : \"string\","
            + " \"name\" : \"name\" } ],\n \"name\" : \"User\", \"type\" : \"record\" }";
    static final String USER_V2 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.acme\",\"fields\":["
            + "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\",\"default\":0}]}";

    static TestBroker broker;
    static RegistryServer registry;
    static Http http;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        registry = Registries.startLeader(broker, "rest", Map.of(
                io.sluice.registry.RegistryConfig.REQUEST_MAX_BYTES, String.valueOf(64 * 1024)));
        http = new Http(registry.url());
    }

    @AfterAll
    static void stop() {
        registry.close();
        broker.close();
    }

    @Test
    void registerIsIdempotentAndCanonical() {
        int id = http.register("users-value", USER_V1);
        assertThat(http.register("users-value", USER_V1_REFORMATTED)).isEqualTo(id);
        assertThat(http.get("/subjects/users-value/versions").json().toString()).isEqualTo("[1]");
        // The same schema under another subject keeps its id.
        assertThat(http.register("users-copy", USER_V1)).isEqualTo(id);

        Http.Answer version = http.get("/subjects/users-value/versions/1");
        assertThat(version.status()).isEqualTo(200);
        assertThat(version.contentType()).startsWith(RestApi.CONTENT_TYPE);
        assertThat(version.json().get("subject").asText()).isEqualTo("users-value");
        assertThat(version.json().get("version").asInt()).isEqualTo(1);
        assertThat(version.json().get("id").asInt()).isEqualTo(id);
        assertThat(version.json().get("schema").asText()).isEqualTo(org.apache.avro.Schema.parse(USER_V1).toString());
        assertThat(http.get("/subjects/users-value/versions/latest").json().get("version").asInt()).isEqualTo(1);
        assertThat(http.get("/subjects/users-value/versions/-1").json().get("version").asInt()).isEqualTo(1);
        assertThat(http.get("/subjects/users-value/versions/1/schema").json().get("name").asText()).isEqualTo("User");

        int id2 = http.register("users-value", USER_V2);
        assertThat(id2).isGreaterThan(id);
        assertThat(http.get("/subjects/users-value/versions").json().toString()).isEqualTo("[1,2]");
        assertThat(http.get("/subjects/users-value/versions/latest").json().get("id").asInt()).isEqualTo(id2);
        assertThat(http.get("/subjects").json().toString()).contains("\"users-value\"", "\"users-copy\"");
        assertThat(http.get("/subjects?subjectPrefix=users-c").json().toString()).isEqualTo("[\"users-copy\"]");
    }

    @Test
    void schemasById() {
        int id = http.register("ids-a", USER_V1);
        http.register("ids-b", USER_V1);
        Http.Answer schema = http.get("/schemas/ids/" + id);
        assertThat(schema.status()).isEqualTo(200);
        assertThat(schema.json().get("schema").asText()).contains("\"User\"");
        assertThat(http.get("/schemas/ids/" + id + "/schema").json().get("type").asText()).isEqualTo("record");
        JsonNode versions = http.get("/schemas/ids/" + id + "/versions").json();
        assertThat(versions.toString()).contains("{\"subject\":\"ids-a\",\"version\":1}", "{\"subject\":\"ids-b\",\"version\":1}");
        assertThat(http.get("/schemas/ids/" + id + "/subjects").json().toString()).contains("\"ids-a\"", "\"ids-b\"");
        assertThat(http.get("/schemas/types").json().toString()).isEqualTo("[\"AVRO\"]");

        Http.Answer missing = http.get("/schemas/ids/99999");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.errorCode()).isEqualTo(ErrorCode.SCHEMA_NOT_FOUND);
        assertThat(http.get("/schemas/ids/99999/versions").errorCode()).isEqualTo(ErrorCode.SCHEMA_NOT_FOUND);
    }

    @Test
    void lookUpUnderSubject() {
        int id = http.register("lookup", USER_V1);
        Http.Answer found = http.postSchema("/subjects/lookup", USER_V1_REFORMATTED);
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().get("id").asInt()).isEqualTo(id);
        assertThat(found.json().get("version").asInt()).isEqualTo(1);

        Http.Answer notThere = http.postSchema("/subjects/lookup", USER_V2);
        assertThat(notThere.status()).isEqualTo(404);
        assertThat(notThere.errorCode()).isEqualTo(ErrorCode.SCHEMA_NOT_FOUND);
        assertThat(http.postSchema("/subjects/nobody", USER_V1).errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);
    }

    @Test
    void unknownSubjectsAndVersions() {
        http.register("known", USER_V1);
        assertThat(http.get("/subjects/unknown/versions").errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);
        assertThat(http.get("/subjects/unknown/versions/1").errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);
        Http.Answer noVersion = http.get("/subjects/known/versions/7");
        assertThat(noVersion.status()).isEqualTo(404);
        assertThat(noVersion.errorCode()).isEqualTo(ErrorCode.VERSION_NOT_FOUND);
        for (String bad : List.of("abc", "0", "-2")) {
            Http.Answer invalid = http.get("/subjects/known/versions/" + bad);
            assertThat(invalid.status()).isEqualTo(422);
            assertThat(invalid.errorCode()).isEqualTo(ErrorCode.INVALID_VERSION);
        }
    }

    @Test
    void badInputGetsTheRightErrorAndTheServerStaysUp() {
        Http.Answer invalidAvro = http.postSchema("/subjects/bad/versions", "{\"type\":\"record\",\"name\":\"X\"}");
        assertThat(invalidAvro.status()).isEqualTo(422);
        assertThat(invalidAvro.errorCode()).isEqualTo(ErrorCode.INVALID_SCHEMA);
        assertThat(http.postSchema("/subjects/bad/versions", "not json at all").errorCode()).isEqualTo(ErrorCode.INVALID_SCHEMA);
        assertThat(http.postSchema("/subjects/bad/versions", "{\"type\":\"nosuchtype\"}").errorCode())
                .isEqualTo(ErrorCode.INVALID_SCHEMA);
        assertThat(http.postSchema("/subjects/bad/versions", "").errorCode()).isEqualTo(ErrorCode.INVALID_SCHEMA);
        Http.Answer wrongType = http.post("/subjects/bad/versions", "{\"schema\":\"{}\",\"schemaType\":\"PROTOBUF\"}");
        assertThat(wrongType.errorCode()).isEqualTo(ErrorCode.INVALID_SCHEMA);

        Http.Answer malformed = http.post("/subjects/bad/versions", "{\"schema\": ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.errorCode()).isEqualTo(400);
        assertThat(http.post("/subjects/bad/versions", "[1,2]").status()).isEqualTo(422);
        assertThat(http.post("/subjects/bad/versions", "").status()).isEqualTo(422);

        String huge = "{\"type\":\"record\",\"name\":\"Big\",\"doc\":\"" + "x".repeat(200_000) + "\",\"fields\":[]}";
        Http.Answer tooBig = http.postSchema("/subjects/bad/versions", huge);
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.errorCode()).isEqualTo(413);

        Http.Answer unknownPath = http.get("/no/such/thing");
        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(unknownPath.errorCode()).isEqualTo(404);

        assertThat(http.get("/subjects/bad/versions").errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);
        assertThat(http.register("after-bad", USER_V1)).isPositive();
        assertThat(http.get("/").status()).isEqualTo(200);
    }

    @Test
    void oversizedChunkedBodyIsRefusedToo() throws Exception {
        // No Content-Length: the limit must hold while the body streams in, not only when a length is announced.
        byte[] huge = ("{\"schema\":\"" + "x".repeat(200_000) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(registry.url() + "/subjects/chunked/versions"))
                .header("Content-Type", RestApi.CONTENT_TYPE)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge)))
                .build();
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
                .send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(Http.JSON.readTree(response.body()).get("error_code").asInt()).isEqualTo(413);
        assertThat(http.get("/subjects/chunked/versions").errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);
        assertThat(http.register("after-chunked", USER_V1)).isPositive();
    }

    @Test
    void globalModeConfigAndOtherEndpoints() {
        assertThat(http.get("/contexts").json().toString()).isEqualTo("[\".\"]");
        http.register("global-mode", USER_V1);

        assertThat(http.put("/mode", "{\"mode\":\"READONLY\"}").json().get("mode").asText()).isEqualTo("READONLY");
        try {
            assertThat(http.get("/mode").json().get("mode").asText()).isEqualTo("READONLY");
            assertThat(http.get("/mode/global-mode?defaultToGlobal=true").json().get("mode").asText()).isEqualTo("READONLY");
            Http.Answer refused = http.postSchema("/subjects/global-mode/versions", USER_V2);
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.errorCode()).isEqualTo(ErrorCode.OPERATION_NOT_PERMITTED);
            // Reads still work in READONLY.
            assertThat(http.postSchema("/subjects/global-mode", USER_V1).status()).isEqualTo(200);
            assertThat(http.put("/mode", "{\"mode\":\"SIDEWAYS\"}").errorCode()).isEqualTo(ErrorCode.INVALID_MODE);
        } finally {
            assertThat(http.put("/mode", "{\"mode\":\"READWRITE\"}").status()).isEqualTo(200);
        }
        assertThat(http.postSchema("/subjects/global-mode/versions", USER_V2).status()).isEqualTo(200);

        // The compatibility endpoint without a version means "latest".
        assertThat(http.postSchema("/compatibility/subjects/global-mode/versions", USER_V1.replace("\"string\"", "\"int\""))
                .json().get("is_compatible").asBoolean()).isFalse();

        assertThat(http.put("/config", "{\"compatibility\":\"NONE\"}").json().get("compatibility").asText()).isEqualTo("NONE");
        try {
            assertThat(http.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("NONE");
            assertThat(http.put("/config", "{\"compatibility\":\"SOMETIMES\"}").errorCode())
                    .isEqualTo(ErrorCode.INVALID_COMPATIBILITY_LEVEL);
        } finally {
            // Deleting the global level goes back to the configured default.
            assertThat(http.delete("/config").status()).isEqualTo(200);
        }
        assertThat(http.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    }

    @Test
    void softAndHardDeleteOfVersions() {
        String v1 = USER_V1.replace("\"User\"", "\"DeletedUser\"");
        String v2 = USER_V2.replace("\"User\"", "\"DeletedUser\"");
        http.register("del-version", v1);
        int id2 = http.register("del-version", v2);
        Http.Answer permanentFirst = http.delete("/subjects/del-version/versions/2?permanent=true");
        assertThat(permanentFirst.status()).isEqualTo(404);
        assertThat(permanentFirst.errorCode()).isEqualTo(ErrorCode.VERSION_NOT_SOFT_DELETED);

        Http.Answer soft = http.delete("/subjects/del-version/versions/2");
        assertThat(soft.status()).isEqualTo(200);
        assertThat(soft.body()).isEqualTo("2");
        assertThat(http.get("/subjects/del-version/versions").json().toString()).isEqualTo("[1]");
        assertThat(http.get("/subjects/del-version/versions?deleted=true").json().toString()).isEqualTo("[1,2]");
        assertThat(http.get("/subjects/del-version/versions/2").errorCode()).isEqualTo(ErrorCode.VERSION_NOT_FOUND);
        assertThat(http.get("/subjects/del-version/versions/2?deleted=true").json().get("id").asInt()).isEqualTo(id2);
        // A soft-deleted schema still resolves by id: data written with it must stay readable.
        assertThat(http.get("/schemas/ids/" + id2).status()).isEqualTo(200);
        assertThat(http.delete("/subjects/del-version/versions/2").errorCode()).isEqualTo(ErrorCode.VERSION_SOFT_DELETED);

        assertThat(http.delete("/subjects/del-version/versions/2?permanent=true").body()).isEqualTo("2");
        assertThat(http.get("/subjects/del-version/versions?deleted=true").json().toString()).isEqualTo("[1]");
        assertThat(http.get("/schemas/ids/" + id2).errorCode()).isEqualTo(ErrorCode.SCHEMA_NOT_FOUND);
        assertThat(http.delete("/subjects/del-version/versions/9").errorCode()).isEqualTo(ErrorCode.VERSION_NOT_FOUND);
        assertThat(http.delete("/subjects/nobody-here/versions/1").errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);

        // The id of a permanently deleted schema is never handed out again, not even to the same schema.
        int again = http.register("del-version", v2);
        assertThat(again).isGreaterThan(id2);
        // Version numbers, unlike ids, may be given again once permanently deleted (as Confluent does).
        assertThat(http.get("/subjects/del-version/versions").json().toString()).isEqualTo("[1,2]");
    }

    @Test
    void softAndHardDeleteOfSubjects() {
        int id = http.register("del-subject", "{\"type\":\"fixed\",\"name\":\"Md5\",\"size\":16}");
        assertThat(http.delete("/subjects/del-subject?permanent=true").errorCode())
                .isEqualTo(ErrorCode.SUBJECT_NOT_SOFT_DELETED);
        Http.Answer soft = http.delete("/subjects/del-subject");
        assertThat(soft.status()).isEqualTo(200);
        assertThat(soft.json().toString()).isEqualTo("[1]");
        assertThat(http.get("/subjects").json().toString()).doesNotContain("\"del-subject\"");
        assertThat(http.get("/subjects?deleted=true").json().toString()).contains("\"del-subject\"");
        assertThat(http.get("/subjects/del-subject/versions").errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);
        assertThat(http.delete("/subjects/del-subject").errorCode()).isEqualTo(ErrorCode.SUBJECT_SOFT_DELETED);
        assertThat(http.delete("/subjects/del-subject?permanent=true").json().toString()).isEqualTo("[1]");
        assertThat(http.get("/subjects?deleted=true").json().toString()).doesNotContain("\"del-subject\"");
        assertThat(http.delete("/subjects/del-subject").errorCode()).isEqualTo(ErrorCode.SUBJECT_NOT_FOUND);
        assertThat(http.get("/schemas/ids/" + id).errorCode()).isEqualTo(ErrorCode.SCHEMA_NOT_FOUND);
    }

    @Test
    void compatibilityEndpoint() {
        http.register("compat-endpoint", USER_V1);
        String path = "/compatibility/subjects/compat-endpoint/versions/latest";
        assertThat(http.postSchema(path, USER_V2).json().get("is_compatible").asBoolean()).isTrue();
        String breaking = USER_V1.replace("\"string\"", "\"int\"");
        Http.Answer no = http.postSchema(path + "?verbose=true", breaking);
        assertThat(no.json().get("is_compatible").asBoolean()).isFalse();
        assertThat(no.json().get("messages").size()).isPositive();
        assertThat(http.postSchema("/compatibility/subjects/compat-endpoint/versions/1", USER_V2)
                .json().get("is_compatible").asBoolean()).isTrue();
        assertThat(http.postSchema("/compatibility/subjects/compat-endpoint/versions/5", USER_V2).errorCode())
                .isEqualTo(ErrorCode.VERSION_NOT_FOUND);
        assertThat(http.postSchema(path, "{bad").errorCode()).isEqualTo(ErrorCode.INVALID_SCHEMA);
        // A subject with no versions accepts anything.
        assertThat(http.postSchema("/compatibility/subjects/fresh/versions/latest", breaking)
                .json().get("is_compatible").asBoolean()).isTrue();
    }

    @Test
    void config() {
        assertThat(http.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        Http.Answer missing = http.get("/config/cfg-subject");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.errorCode()).isEqualTo(ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED);
        assertThat(http.get("/config/cfg-subject?defaultToGlobal=true").json().get("compatibilityLevel").asText())
                .isEqualTo("BACKWARD");

        Http.Answer put = http.put("/config/cfg-subject", "{\"compatibility\":\"full_transitive\"}");
        assertThat(put.json().get("compatibility").asText()).isEqualTo("FULL_TRANSITIVE");
        assertThat(http.get("/config/cfg-subject").json().get("compatibilityLevel").asText()).isEqualTo("FULL_TRANSITIVE");
        Http.Answer invalid = http.put("/config/cfg-subject", "{\"compatibility\":\"SOMETIMES\"}");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.errorCode()).isEqualTo(ErrorCode.INVALID_COMPATIBILITY_LEVEL);
        assertThat(http.delete("/config/cfg-subject").json().get("compatibilityLevel").asText()).isEqualTo("FULL_TRANSITIVE");
        assertThat(http.get("/config/cfg-subject").errorCode()).isEqualTo(ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED);
        assertThat(http.delete("/config/cfg-subject").errorCode()).isEqualTo(ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED);
    }

    @Test
    void modes() {
        assertThat(http.get("/mode").json().get("mode").asText()).isEqualTo("READWRITE");
        http.register("ro-subject", USER_V1);
        assertThat(http.get("/mode/ro-subject").errorCode()).isEqualTo(ErrorCode.SUBJECT_MODE_NOT_CONFIGURED);
        assertThat(http.put("/mode/ro-subject", "{\"mode\":\"READONLY\"}").json().get("mode").asText()).isEqualTo("READONLY");
        assertThat(http.get("/mode/ro-subject").json().get("mode").asText()).isEqualTo("READONLY");
        Http.Answer refused = http.postSchema("/subjects/ro-subject/versions", USER_V2);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.OPERATION_NOT_PERMITTED);
        assertThat(http.delete("/subjects/ro-subject").errorCode()).isEqualTo(ErrorCode.OPERATION_NOT_PERMITTED);
        assertThat(http.put("/mode/ro-subject", "{\"mode\":\"SIDEWAYS\"}").errorCode()).isEqualTo(ErrorCode.INVALID_MODE);
        assertThat(http.delete("/mode/ro-subject").json().get("mode").asText()).isEqualTo("READONLY");
        assertThat(http.postSchema("/subjects/ro-subject/versions", USER_V2).status()).isEqualTo(200);

        // IMPORT: only with force when schemas exist; registrations then carry their own id and version.
        assertThat(http.put("/mode/import-subject", "{\"mode\":\"IMPORT\"}").status()).isEqualTo(200);
        ObjectNode imported = Http.JSON.createObjectNode().put("schema", USER_V1).put("id", 5000).put("version", 7);
        assertThat(http.post("/subjects/import-subject/versions", imported.toString()).json().get("id").asInt()).isEqualTo(5000);
        assertThat(http.get("/subjects/import-subject/versions/7").json().get("id").asInt()).isEqualTo(5000);
        ObjectNode clash = Http.JSON.createObjectNode().put("schema", USER_V2).put("id", 5000).put("version", 8);
        assertThat(http.post("/subjects/import-subject/versions", clash.toString()).errorCode())
                .isEqualTo(ErrorCode.ID_DOES_NOT_MATCH);
        assertThat(http.put("/mode/ro-subject", "{\"mode\":\"IMPORT\"}").errorCode()).isEqualTo(ErrorCode.OPERATION_NOT_PERMITTED);
        assertThat(http.put("/mode/ro-subject?force=true", "{\"mode\":\"IMPORT\"}").status()).isEqualTo(200);
        assertThat(http.delete("/mode/ro-subject").status()).isEqualTo(200);
        assertThat(http.delete("/mode/import-subject").status()).isEqualTo(200);
        // Ids given out later never collide with imported ones.
        assertThat(http.register("after-import", "{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\"]}"))
                .isGreaterThan(5000);
    }

    @Test
    void references() {
        String address = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.acme\",\"fields\":["
                + "{\"name\":\"city\",\"type\":\"string\"}]}";
        String person = "{\"type\":\"record\",\"name\":\"Person\",\"namespace\":\"com.acme\",\"fields\":["
                + "{\"name\":\"home\",\"type\":\"com.acme.Address\"}]}";
        http.register("address", address);
        assertThat(http.postSchema("/subjects/person/versions", person).errorCode()).isEqualTo(ErrorCode.INVALID_SCHEMA);

        ObjectNode body = Http.JSON.createObjectNode().put("schema", person);
        body.putArray("references").addObject().put("name", "com.acme.Address").put("subject", "address").put("version", 1);
        Http.Answer registered = http.post("/subjects/person/versions", body.toString());
        assertThat(registered.status()).isEqualTo(200);
        int personId = registered.json().get("id").asInt();

        JsonNode stored = http.get("/subjects/person/versions/1").json();
        assertThat(stored.get("references").get(0).get("subject").asText()).isEqualTo("address");
        assertThat(stored.get("schema").asText()).doesNotContain("city");
        assertThat(http.get("/schemas/ids/" + personId).json().get("references").size()).isEqualTo(1);
        assertThat(http.get("/subjects/address/versions/1/referencedby").json().toString()).isEqualTo("[" + personId + "]");
        assertThat(http.post("/subjects/person", body.toString()).json().get("id").asInt()).isEqualTo(personId);

        Http.Answer referenced = http.delete("/subjects/address/versions/1");
        assertThat(referenced.status()).isEqualTo(422);
        assertThat(referenced.errorCode()).isEqualTo(ErrorCode.REFERENCE_EXISTS);

        ObjectNode dangling = Http.JSON.createObjectNode().put("schema", person);
        dangling.putArray("references").addObject().put("name", "com.acme.Address").put("subject", "nowhere").put("version", 1);
        assertThat(http.post("/subjects/person2/versions", dangling.toString()).errorCode()).isEqualTo(ErrorCode.INVALID_SCHEMA);
    }

    @Test
    void concurrentRegistrationsOfOneSchemaGiveOneId() throws Exception {
        String schema = "{\"type\":\"record\",\"name\":\"Race\",\"fields\":[{\"name\":\"x\",\"type\":\"long\"}]}";
        List<Thread> threads = new ArrayList<>();
        List<Integer> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> ids.add(http.register("race", schema)));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(ids).hasSize(8);
        assertThat(ids.stream().distinct().count()).isEqualTo(1);
        assertThat(http.get("/subjects/race/versions").json().toString()).isEqualTo("[1]");
    }
}
