package io.sluice.mirror.cli;

import io.sluice.mirror.preserving.PromoteTool;
import io.sluice.service.config.PropertiesLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sluice mirror promote --bootstrap-server B --topic X}: makes an offset-preserving mirror topic writable
 * (it stops following its source). {@code --command-config} as Kafka's tools: admin client settings of B.
 */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Promote an offset-preserving mirror topic: it stops following its source and takes writes.")
final class MirrorPromoteCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT",
            description = "The cluster holding the mirror topic.")
    String bootstrapServer;

    @Option(names = "--topic", required = true, description = "The mirror topic to promote.")
    String topic;

    @Option(names = "--command-config", paramLabel = "FILE", description = "Admin client settings (security).")
    Path commandConfig;

    @Override
    public Integer call() {
        Map<String, String> admin = commandConfig == null ? Map.of() : PropertiesLoader.load(commandConfig, List.of());
        return PromoteTool.run(bootstrapServer, topic, admin, System.out, System.err);
    }
}
