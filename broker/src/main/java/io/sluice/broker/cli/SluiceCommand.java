package io.sluice.broker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice <subcommand>}: the one entry point users run. */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "Sluice 0.1.0",
        description = "Sluice: an exactly-once streaming platform that speaks the Kafka protocol.",
        subcommands = {BrokerCommand.class, ZooKeeperCommand.class, CommandLine.HelpCommand.class})
public final class SluiceCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new SluiceCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
