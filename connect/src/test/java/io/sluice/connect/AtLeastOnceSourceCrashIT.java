package io.sluice.connect;

import io.sluice.testkit.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same SIGKILL loop as {@link ExactlyOnceSourceCrashIT} without exactly-once (offsets in the file, flushed
 * after the producer acknowledged): lines may repeat, but none is lost and their first appearances are in order.
 */
class AtLeastOnceSourceCrashIT {
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
    void withoutExactlyOnceTheCrashLoopMayDuplicateButNeverLoses() throws Exception {
        List<String> values = new SourceCrashLoop(broker, dir).run("alo-lines", false);
        assertThat(new ArrayList<>(new LinkedHashSet<>(values))).isEqualTo(SourceCrashLoop.expected());
        assertThat(values.size()).isGreaterThanOrEqualTo(SourceCrashLoop.LINES);
    }
}
