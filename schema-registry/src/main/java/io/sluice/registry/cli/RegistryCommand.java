package io.sluice.registry.cli;

import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code sluice registry [--config FILE] [--override key=value ...]}: runs a schema registry until interrupted. */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "Start an Avro schema registry (Confluent REST API v1). With no config it listens on "
                + "http://0.0.0.0:8081 and keeps its state in topic _schemas of the broker at 127.0.0.1:9092.")
public final class RegistryCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Properties file with Confluent Schema Registry's names (listeners, kafkastore.bootstrap.servers, ...).")
    Path configFile;

    @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    List<String> overrides = List.of();

    @Override
    public Integer call() throws Exception {
        Map<String, String> values = new HashMap<>();
        if (configFile != null) {
            values.putAll(RegistryConfig.load(configFile));
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                System.err.println("Invalid --override '" + override + "': expected key=value");
                return 2;
            }
            values.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        RegistryConfig config;
        try {
            config = RegistryConfig.of(values);
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        RegistryServer server = RegistryServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "sluice-registry-shutdown"));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        int code = new picocli.CommandLine(new RegistryCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
