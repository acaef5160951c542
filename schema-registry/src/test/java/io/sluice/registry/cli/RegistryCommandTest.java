package io.sluice.registry.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class RegistryCommandTest {

    @Test
    void badSettingsStopBeforeStarting() {
        assertThat(new CommandLine(new RegistryCommand()).execute("--override", "no-equals-sign")).isEqualTo(2);
        assertThat(new CommandLine(new RegistryCommand()).execute("--override", "schema.compatibility.level=SOMETIMES"))
                .isEqualTo(2);
        assertThat(new CommandLine(new RegistryCommand()).execute("--override", "listeners=ftp://x:1")).isEqualTo(2);
    }

    @Test
    void helpNamesTheOptions() {
        StringWriter help = new StringWriter();
        CommandLine cmd = new CommandLine(new RegistryCommand());
        cmd.setOut(new PrintWriter(help));
        assertThat(cmd.execute("--help")).isZero();
        assertThat(help.toString()).contains("--config", "--override");
    }
}
