package io.sluice.mirror.cli;

import io.sluice.service.ServiceOptions;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sluice mirror status mm2.properties}: lag, checkpoints and throughput of every enabled flow. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print per partition the mirror's lag (records, ms), each group's last checkpoint, and throughput.")
final class MirrorStatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MM2_PROPERTIES", description = "MirrorMaker 2 settings.")
    Path configFile;

    @Option(names = "--sample-seconds", defaultValue = "2", description = "How long to measure throughput.")
    int sampleSeconds;

    @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        try {
            System.out.print(MirrorStatus.format(MirrorStatus.collect(MirrorCommand.load(configFile, overrides),
                    Duration.ofSeconds(Math.max(1, sampleSeconds)))));
            return 0;
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            return ServiceOptions.EXIT_CONFIG_ERROR;
        }
    }
}
