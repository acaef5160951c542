package io.sluice.connect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly-once FileStreamSource on a standalone worker SIGKILLed five times mid-load ({@link SourceCrashLoop}):
 * the topic, read read_committed, holds every line once, in order.
 */
class ExactlyOnceSourceCrashIT {
    @RegisterExtension
    static final ConnectWorkers workers = new ConnectWorkers();

    @TempDir
    Path dir;

    @Test
    void exactlyOnceSourceSurvivesFiveSigkillsWithEveryLineOnceInOrder() throws Exception {
        List<String> values = new SourceCrashLoop(workers.broker(), dir).run("eos-lines", true);
        assertThat(values).hasSize(SourceCrashLoop.LINES);
        assertThat(values).isEqualTo(SourceCrashLoop.expected());
    }
}
