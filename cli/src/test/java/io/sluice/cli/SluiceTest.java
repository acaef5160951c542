package io.sluice.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceTest {

    @Test
    void everyComponentIsASubcommand() {
        assertThat(Sluice.commandLine().getSubcommands())
                .containsKeys("platform", "broker", "zookeeper", "registry", "connect", "example");
        assertThat(Sluice.commandLine().getSubcommands().get("connect").getSubcommands()).containsKeys("standalone");
        assertThat(Sluice.commandLine().getSubcommands().get("example").getSubcommands())
                .containsKeys("enrich-orders", "avro");
    }

    @Test
    void connectStandaloneWithAMissingWorkerFileIsAConfigError() {
        int code = Sluice.commandLine().execute("connect", "standalone", "no-such-worker.properties");
        assertThat(code).isEqualTo(2);
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        StringWriter err = new StringWriter();
        int code = Sluice.commandLine().setErr(new PrintWriter(err)).execute("brokre");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("brokre");
    }
}
