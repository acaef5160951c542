package io.sluice.registry.cli;

import io.sluice.registry.RegistryConfig;
import io.sluice.registry.RegistryServer;
import io.sluice.service.ServiceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code sluice registry [--config FILE] [--override key=value ...]}: runs a schema registry until interrupted. */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "Start an Avro schema registry (Confluent REST API v1). With no config it listens on "
                + "http://127.0.0.1:8081 (set listeners=http://0.0.0.0:8081 to open it) and keeps its state in topic "
                + "_schemas of the broker at 127.0.0.1:9092.")
public final class RegistryCommand implements Callable<Integer> {

    @Mixin
    ServiceOptions options = new ServiceOptions();

    @Override
    public Integer call() throws Exception {
        return options.run(RegistryConfig::of, RegistryServer::start, "sluice-registry", System.err);
    }

    public static void main(String[] args) {
        int code = new picocli.CommandLine(new RegistryCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
