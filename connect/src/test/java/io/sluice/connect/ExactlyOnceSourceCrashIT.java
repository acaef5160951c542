package io.sluice.connect;

import io.sluice.testkit.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly-once FileStreamSource on a standalone worker SIGKILLed five times mid-load ({@link SourceCrashLoop}):
 * the topic, read read_committed, holds every line once, in order.
 */
class ExactlyOnceSourceCrashIT {
    static TestBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void exactlyOnceSourceSurvivesFiveSigkillsWithEveryLineOnceInOrder() throws Exception {
        List<String> values = new SourceCrashLoop(broker, dir).run("eos-lines", true);
        assertThat(values).hasSize(SourceCrashLoop.LINES);
        assertThat(values).isEqualTo(SourceCrashLoop.expected());
    }
}
