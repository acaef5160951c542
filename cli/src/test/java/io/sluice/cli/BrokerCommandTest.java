package io.sluice.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class BrokerCommandTest {

    @Test
    void refusesUnknownOverrideWithExitCode2() {
        CommandLine cli = new CommandLine(new BrokerCommand());
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured));
        try {
            cli.setErr(new PrintWriter(new StringWriter()));
            int code = cli.execute("--override", "not.a.setting=1");
            assertThat(code).isEqualTo(2);
        } finally {
            System.setErr(originalErr);
        }
        assertThat(captured.toString()).contains("not.a.setting");
    }
}
