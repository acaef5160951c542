package io.sluice.connect.cli;

import io.sluice.connect.ConnectDistributed;
import io.sluice.connect.ConnectStandalone;
import io.sluice.service.ServiceOptions;
import io.sluice.service.config.PropertiesLoader;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sluice connect <mode>}: a Kafka Connect worker on Sluice's own Connect runtime. */
@Command(name = "connect", mixinStandardHelpOptions = true,
        description = "Run a Kafka Connect worker (Sluice's runtime for the connect-api).",
        subcommands = {ConnectCommand.Standalone.class, ConnectCommand.Distributed.class})
public final class ConnectCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code sluice connect standalone worker.properties [connector.properties ...]}, as Kafka's connect-standalone. */
    @Command(name = "standalone", mixinStandardHelpOptions = true,
            description = "Run a standalone worker: connectors from the given properties files (and the REST API, "
                    + "http://127.0.0.1:8083 by default), source offsets in offset.storage.file.filename (in "
                    + "offset.storage.topic with exactly.once.source.support=enabled).")
    public static final class Standalone implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WORKER_PROPERTIES", description = "Worker settings (Kafka Connect's names).")
        Path workerFile;

        @Parameters(index = "1..*", paramLabel = "CONNECTOR_PROPERTIES", description = "Connector configs to start.")
        List<Path> connectorFiles = new ArrayList<>();

        @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE",
                description = "Override one worker setting (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Map<String, String> worker;
            List<Map<String, String>> connectors = new ArrayList<>();
            try {
                worker = PropertiesLoader.load(workerFile, overrides);
                for (Path file : connectorFiles) {
                    connectors.add(PropertiesLoader.load(file, List.of()));
                }
            } catch (ConfigException e) {
                System.err.println("Invalid configuration: " + e.getMessage());
                return ServiceOptions.EXIT_CONFIG_ERROR;
            }
            ConnectStandalone connect;
            try {
                connect = ConnectStandalone.start(worker, connectors);
            } catch (ConfigException e) {
                System.err.println("Invalid configuration: " + e.getMessage());
                return ServiceOptions.EXIT_CONFIG_ERROR;
            } catch (RuntimeException e) {
                System.err.println("sluice-connect failed to start: " + e.getMessage());
                return ServiceOptions.EXIT_START_FAILED;
            }
            System.out.println("Sluice Connect (standalone) ready: REST API on " + connect.url());
            ServiceOptions.runUntilStopped(connect, "sluice-connect-shutdown");
            return 0;
        }
    }

    /** {@code sluice connect distributed worker.properties}, as Kafka's connect-distributed. */
    @Command(name = "distributed", mixinStandardHelpOptions = true,
            description = "Run a distributed worker: it joins group.id with the other workers; connectors are created "
                    + "over the REST API and kept in config.storage.topic, offsets in offset.storage.topic, states in "
                    + "status.storage.topic.")
    public static final class Distributed implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WORKER_PROPERTIES", description = "Worker settings (Kafka Connect's names).")
        Path workerFile;

        @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE",
                description = "Override one worker setting (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Map<String, String> worker;
            try {
                worker = PropertiesLoader.load(workerFile, overrides);
            } catch (ConfigException e) {
                System.err.println("Invalid configuration: " + e.getMessage());
                return ServiceOptions.EXIT_CONFIG_ERROR;
            }
            ConnectDistributed connect;
            try {
                connect = ConnectDistributed.start(worker);
            } catch (ConfigException e) {
                System.err.println("Invalid configuration: " + e.getMessage());
                return ServiceOptions.EXIT_CONFIG_ERROR;
            } catch (RuntimeException e) {
                System.err.println("sluice-connect failed to start: " + e.getMessage());
                return ServiceOptions.EXIT_START_FAILED;
            }
            System.out.println("Sluice Connect (distributed) ready: REST API on " + connect.url());
            ServiceOptions.runUntilStopped(connect, "sluice-connect-shutdown");
            return 0;
        }
    }
}
