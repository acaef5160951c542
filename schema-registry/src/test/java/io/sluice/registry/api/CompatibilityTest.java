package io.sluice.registry.api;

import io.sluice.testkit.TestBroker;
import io.sluice.registry.RegistryServer;
import io.sluice.registry.testing.Http;
import io.sluice.registry.testing.Registries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each compatibility level with an evolution it accepts and one it refuses (409). The transitive levels are
 * shown refusing what their non-transitive twin accepts: a schema compatible with the latest version only.
 */
class CompatibilityTest {
    static TestBroker broker;
    static RegistryServer registry;
    static Http http;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
        registry = Registries.startLeader(broker, "compat", Map.of());
        http = new Http(registry.url());
    }

    @AfterAll
    static void stop() {
        registry.close();
        broker.close();
    }

    /** A record R with the given fields (JSON array body). */
    static String r(String fields) {
        return "{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}";
    }

    static final String A = "{\"name\":\"a\",\"type\":\"string\"}";
    static final String A_DEFAULT = "{\"name\":\"a\",\"type\":\"string\",\"default\":\"x\"}";
    static final String A_INT_DEFAULT = "{\"name\":\"a\",\"type\":\"int\",\"default\":0}";
    static final String B = "{\"name\":\"b\",\"type\":\"int\"}";
    static final String B_DEFAULT = "{\"name\":\"b\",\"type\":\"int\",\"default\":0}";
    static final String C = "{\"name\":\"c\",\"type\":\"long\"}";

    private static void level(String subject, String level) {
        assertThat(http.put("/config/" + subject, "{\"compatibility\":\"" + level + "\"}").status()).isEqualTo(200);
    }

    private static void accepted(String subject, String schema) {
        Http.Answer answer = http.postSchema("/subjects/" + subject + "/versions", schema);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    private static void refused(String subject, String schema) {
        Http.Answer answer = http.postSchema("/subjects/" + subject + "/versions", schema);
        assertThat(answer.status()).as(answer.body()).isEqualTo(409);
        assertThat(answer.errorCode()).isEqualTo(ErrorCode.INCOMPATIBLE_SCHEMA);
        assertThat(http.postSchema("/compatibility/subjects/" + subject + "/versions/latest", schema)
                .json().get("is_compatible").asBoolean()).isFalse();
    }

    @Test
    void none() {
        level("none", "NONE");
        accepted("none", r(A));
        accepted("none", r(A.replace("string", "int")));
        accepted("none", r(C));
    }

    @Test
    void backward() {
        level("backward", "BACKWARD");
        accepted("backward", r(A));
        accepted("backward", r(A + "," + B_DEFAULT));
        refused("backward", r(A + "," + B_DEFAULT + "," + C));
    }

    @Test
    void backwardTransitive() {
        for (String level : new String[]{"BACKWARD", "BACKWARD_TRANSITIVE"}) {
            String subject = "bt-" + level;
            level(subject, level);
            accepted(subject, r(A));
            accepted(subject, r(""));
            if (level.equals("BACKWARD")) {
                accepted(subject, r(A_INT_DEFAULT));
            } else {
                accepted(subject, r(B_DEFAULT));
                refused(subject, r(A_INT_DEFAULT));
            }
        }
    }

    @Test
    void forward() {
        level("forward", "FORWARD");
        accepted("forward", r(A));
        accepted("forward", r(A + "," + B));
        refused("forward", r(B));
    }

    @Test
    void forwardTransitive() {
        for (String level : new String[]{"FORWARD", "FORWARD_TRANSITIVE"}) {
            String subject = "ft-" + level;
            level(subject, level);
            accepted(subject, r(A));
            accepted(subject, r(A_DEFAULT));
            if (level.equals("FORWARD")) {
                accepted(subject, r(""));
            } else {
                accepted(subject, r(A_DEFAULT + "," + C));
                refused(subject, r(""));
            }
        }
    }

    @Test
    void full() {
        level("full", "FULL");
        accepted("full", r(A));
        accepted("full", r(A + "," + B_DEFAULT));
        refused("full", r(A + "," + B_DEFAULT + "," + C));
        refused("full", r(B_DEFAULT));
    }

    @Test
    void fullTransitive() {
        for (String level : new String[]{"FULL", "FULL_TRANSITIVE"}) {
            String subject = "fullt-" + level;
            level(subject, level);
            accepted(subject, r(A));
            accepted(subject, r(A_DEFAULT));
            if (level.equals("FULL")) {
                accepted(subject, r(""));
            } else {
                accepted(subject, r(A_DEFAULT + "," + B_DEFAULT));
                refused(subject, r(""));
            }
        }
    }

    @Test
    void globalLevelAppliesWhereNoSubjectLevelIsSet() {
        accepted("global-default", r(A));
        refused("global-default", r(A + "," + C));
        assertThat(http.put("/config", "{\"compatibility\":\"NONE\"}").json().get("compatibility").asText()).isEqualTo("NONE");
        try {
            accepted("global-default", r(A + "," + C));
            level("global-default", "FORWARD");
            refused("global-default", r(C.replace("long", "string")));
        } finally {
            http.put("/config", "{\"compatibility\":\"BACKWARD\"}");
        }
    }
}
