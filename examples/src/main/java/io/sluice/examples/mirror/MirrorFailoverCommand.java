package io.sluice.examples.mirror;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code mirror-failover}: runs {@link MirrorFailoverExample} between two clusters. */
@Command(name = "mirror-failover", mixinStandardHelpOptions = true,
        description = "Mirror a topic A->B and fail a consumer group over to B, continuing exactly where it stopped.")
public final class MirrorFailoverCommand implements Callable<Integer> {
    @Option(names = "--source", defaultValue = "127.0.0.1:9092", description = "Cluster A's bootstrap servers.")
    String source;

    @Option(names = "--target", defaultValue = "127.0.0.1:9093", description = "Cluster B's bootstrap servers.")
    String target;

    @Option(names = "--topic", defaultValue = "payments", description = "Topic to mirror.")
    String topic;

    @Option(names = "--group", defaultValue = "billing", description = "Consumer group that fails over.")
    String group;

    @Override
    public Integer call() throws Exception {
        boolean exact = new MirrorFailoverExample(new MirrorFailoverExample.Settings(source, target, topic, group,
                1000, 600), System.out).run();
        System.out.println(exact ? "The group continued on B exactly where it stopped on A."
                : "The group did NOT continue exactly where it stopped.");
        return exact ? 0 : 1;
    }
}
