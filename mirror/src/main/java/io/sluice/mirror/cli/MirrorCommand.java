package io.sluice.mirror.cli;

import io.sluice.mirror.config.MirrorMakerConfig;
import io.sluice.service.ServiceOptions;
import io.sluice.service.config.PropertiesLoader;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sluice mirror mm2.properties [--clusters B]}, as Kafka's {@code connect-mirror-maker.sh}, and
 * {@code sluice mirror status mm2.properties}.
 */
@Command(name = "mirror", mixinStandardHelpOptions = true,
        description = "Mirror topics and consumer group offsets between clusters (MirrorMaker 2's mm2.properties).",
        subcommands = {MirrorStatusCommand.class})
public final class MirrorCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MM2_PROPERTIES", description = "MirrorMaker 2 settings.")
    Path configFile;

    @Option(names = "--clusters", split = ",", paramLabel = "ALIAS",
            description = "Run only the flows into these target clusters (as MM2's --clusters).")
    List<String> clusters = new ArrayList<>();

    @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    List<String> overrides = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (configFile == null) {
            spec.commandLine().usage(System.err);
            return ServiceOptions.EXIT_CONFIG_ERROR;
        }
        MirrorMaker mirror;
        try {
            mirror = MirrorMaker.start(load(configFile, overrides), new LinkedHashSet<>(clusters));
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            return ServiceOptions.EXIT_CONFIG_ERROR;
        } catch (RuntimeException e) {
            System.err.println("sluice mirror failed to start: " + e.getMessage());
            return ServiceOptions.EXIT_START_FAILED;
        }
        System.out.println("Sluice mirror ready: flows " + mirror.flows());
        ServiceOptions.runUntilStopped(mirror, "sluice-mirror-shutdown");
        return 0;
    }

    static MirrorMakerConfig load(Path file, List<String> overrides) {
        Map<String, String> settings = PropertiesLoader.load(file, overrides);
        return new MirrorMakerConfig(settings);
    }

    /** {@code sluice mirror} without the rest of the CLI (child JVMs in tests, the benchmark). */
    public static void main(String[] args) {
        int code = new CommandLine(new MirrorCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
