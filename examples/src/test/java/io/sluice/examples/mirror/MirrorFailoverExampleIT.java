package io.sluice.examples.mirror;

import io.sluice.testkit.TwoClusters;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MirrorFailoverExampleIT {
    @Test
    void theGroupContinuesOnTheTargetExactlyWhereItStopped() throws Exception {
        // Single-broker clusters: the exactly-once mirror needs a transaction log it can create on one broker.
        try (TwoClusters clusters = TwoClusters.start(1, 1, Map.of("offsets.topic.replication.factor", "1",
                "transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            boolean exact = new MirrorFailoverExample(new MirrorFailoverExample.Settings(clusters.source().bootstrap(),
                    clusters.target().bootstrap(), "payments", "billing", 1000, 600),
                    new PrintStream(out, true, StandardCharsets.UTF_8)).run();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("read 400 records, 0 of them already processed on A, 0 missing");
            assertThat(exact).isTrue();
        }
    }
}
