package io.sluice.broker.cli;

import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code sluice broker [--config FILE] [--override key=value ...]}: runs a broker until interrupted. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Start a broker. With no config it listens on 127.0.0.1:9092, keeps data in ./data and runs "
                + "an embedded ZooKeeper.")
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Kafka-style .properties file.")
    Path configFile;

    @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    List<String> overrides = List.of();

    /** Runs just the broker command (the full CLI is {@code io.sluice.cli.Sluice}); used by child-JVM tests. */
    public static void main(String[] args) {
        int code = new picocli.CommandLine(new BrokerCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> values = new HashMap<>();
        if (configFile != null) {
            values.putAll(BrokerConfig.load(configFile));
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                System.err.println("Invalid --override '" + override + "': expected key=value");
                return 2;
            }
            values.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        BrokerConfig config;
        try {
            config = BrokerConfig.of(values);
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        Broker broker = Broker.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "sluice-shutdown"));
        stopped.await();
        return 0;
    }
}
