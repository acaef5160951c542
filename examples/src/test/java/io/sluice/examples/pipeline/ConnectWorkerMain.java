package io.sluice.examples.pipeline;

import io.sluice.connect.cli.ConnectCommand;
import picocli.CommandLine;

/** {@code sluice connect ...} in a child JVM on this module's test class path (which holds the JDBC connectors). */
public final class ConnectWorkerMain {
    private ConnectWorkerMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ConnectCommand()).execute(args));
    }
}
