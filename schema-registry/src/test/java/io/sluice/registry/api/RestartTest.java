package io.sluice.registry.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.testing.Http;
import io.sluice.registry.testing.Registries;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** A registry restarted over the same store topic comes back with every subject, version, id and setting. */
class RestartTest {

    @Test
    void everythingComesBackIdenticalFromTheTopic() {
        try (TestBroker broker = TestBroker.start()) {
            Map<String, String> before;
            int deletedId;
            try (RegistryServer registry = Registries.startLeader(broker, "restart", Map.of())) {
                Http http = new Http(registry.url());
                for (int s = 0; s < 4; s++) {
                    for (int v = 0; v < 3; v++) {
                        StringBuilder fields = new StringBuilder("{\"name\":\"f0\",\"type\":\"string\"}");
                        for (int f = 1; f <= v; f++) {
                            fields.append(",{\"name\":\"f").append(f).append("\",\"type\":\"int\",\"default\":").append(f).append('}');
                        }
                        http.register("subject-" + s, "{\"type\":\"record\",\"name\":\"S" + s + "\",\"fields\":[" + fields + "]}");
                    }
                }
                http.delete("/subjects/subject-1/versions/2");
                http.delete("/subjects/subject-2");
                deletedId = http.get("/subjects/subject-3/versions/3").json().get("id").asInt();
                http.delete("/subjects/subject-3/versions/3");
                http.delete("/subjects/subject-3/versions/3?permanent=true");
                http.put("/config", "{\"compatibility\":\"FULL\"}");
                http.put("/config/subject-0", "{\"compatibility\":\"NONE\"}");
                http.put("/mode/subject-1", "{\"mode\":\"READONLY\"}");
                before = snapshot(http);
            }
            try (RegistryServer restarted = Registries.startLeader(broker, "restart", Map.of())) {
                Http http = new Http(restarted.url());
                assertThat(snapshot(http)).isEqualTo(before);
                // Ids continue after the highest ever given, including the permanently deleted one.
                int next = http.register("subject-new", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}");
                assertThat(next).isGreaterThan(deletedId);
                assertThat(http.get("/schemas/ids/" + deletedId).errorCode()).isEqualTo(ErrorCode.SCHEMA_NOT_FOUND);
            }
        }
    }

    /** Every answer a client could get about the registry's content, keyed by request. */
    private static Map<String, String> snapshot(Http http) {
        Map<String, String> answers = new TreeMap<>();
        JsonNode subjects = http.get("/subjects?deleted=true").json();
        answers.put("/subjects?deleted=true", subjects.toString());
        answers.put("/subjects", http.get("/subjects").body());
        answers.put("/config", http.get("/config").body());
        answers.put("/mode", http.get("/mode").body());
        for (JsonNode subject : subjects) {
            String s = subject.asText();
            answers.put("/config/" + s, http.get("/config/" + s).body());
            answers.put("/mode/" + s, http.get("/mode/" + s).body());
            JsonNode versions = http.get("/subjects/" + s + "/versions?deleted=true").json();
            answers.put(s + " versions", versions.toString());
            for (JsonNode v : versions) {
                Http.Answer version = http.get("/subjects/" + s + "/versions/" + v.asInt() + "?deleted=true");
                answers.put(s + "/" + v.asInt(), version.body());
                int id = version.json().get("id").asInt();
                answers.put("/schemas/ids/" + id, http.get("/schemas/ids/" + id).body());
                answers.put("/schemas/ids/" + id + "/versions", http.get("/schemas/ids/" + id + "/versions?deleted=true").body());
            }
        }
        assertThat(answers.size()).isGreaterThan(20);
        return answers;
    }
}
