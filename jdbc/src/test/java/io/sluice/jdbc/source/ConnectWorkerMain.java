package io.sluice.jdbc.source;

import io.sluice.connect.cli.ConnectCommand;
import picocli.CommandLine;

/** {@code sluice connect ...} in a child JVM with this module's test class path (so the JDBC connector is found). */
public final class ConnectWorkerMain {
    private ConnectWorkerMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ConnectCommand()).execute(args));
    }
}
