package io.sluice.cli;

import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.service.ServiceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code sluice broker [--config FILE] [--override key=value ...]}: runs a broker until interrupted. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Start a broker. With no config it listens on 127.0.0.1:9092, keeps data in ./data and runs "
                + "an embedded ZooKeeper.")
public final class BrokerCommand implements Callable<Integer> {

    @Mixin
    ServiceOptions options = new ServiceOptions();

    /** Runs just the broker command (the full CLI is {@link Sluice}). */
    public static void main(String[] args) {
        int code = new picocli.CommandLine(new BrokerCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        return options.run(BrokerConfig::of, Broker::start, "sluice-broker", System.err);
    }
}
