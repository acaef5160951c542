package io.sluice.cli;

import io.sluice.cli.platform.PlatformCommand;
import io.sluice.connect.cli.ConnectCommand;
import io.sluice.mirror.cli.MirrorCommand;
import io.sluice.examples.avro.AvroCommand;
import io.sluice.examples.enrich.EnrichCommand;
import io.sluice.examples.pipeline.ShopOrdersCommand;
import io.sluice.examples.mirror.MirrorFailoverCommand;
import io.sluice.registry.cli.RegistryCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice <subcommand>}: the one entry point users run ({@code bin/sluice}). */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "Sluice 0.1.0",
        description = "Sluice: an exactly-once streaming platform that speaks the Kafka protocol.",
        subcommands = {PlatformCommand.class, BrokerCommand.class, ZooKeeperCommand.class, RegistryCommand.class, ConnectCommand.class, MirrorCommand.class, Sluice.Example.class, CommandLine.HelpCommand.class})
public final class Sluice implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code sluice example <job>}: the runnable jobs in examples/. */
    @Command(name = "example", mixinStandardHelpOptions = true, description = "Run an example job.",
            subcommands = {EnrichCommand.class, ShopOrdersCommand.class, AvroCommand.class, MirrorFailoverCommand.class})
    static final class Example implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Sluice());
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
