package io.sluice.cli.platform;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.connect.worker.WorkerConfig;
import io.sluice.examples.pipeline.PipelineDemo;
import io.sluice.registry.RegistryConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * {@code sluice platform}: a broker (embedded ZooKeeper), a schema registry and a Kafka Connect worker in one
 * process, each set up with the properties file it takes when started alone plus prefixed overrides.
 */
@Command(name = "platform", mixinStandardHelpOptions = true,
        description = {"Start a broker (embedded ZooKeeper), a schema registry and a Kafka Connect worker in one "
                + "process: by default the broker on 127.0.0.1:9092 (data in ./data), the registry on "
                + "http://127.0.0.1:8081 and Connect's REST API on http://127.0.0.1:8083.",
                "Prints one 'ready' line once all answer; SIGTERM or Ctrl-C stops Connect, the registry, then the "
                        + "broker."})
public final class PlatformCommand implements Callable<Integer> {
    /** Enough for a first start on a slow laptop (creating __consumer_offsets and _schemas). */
    private static final long READY_TIMEOUT_MS = 120_000;

    @Option(names = "--broker-config", paramLabel = "FILE", description = "The broker's properties file.")
    Path brokerConfig;

    @Option(names = "--registry-config", paramLabel = "FILE", description = "The schema registry's properties file.")
    Path registryConfig;

    @Option(names = "--connect-config", paramLabel = "FILE",
            description = "The Connect worker's properties file (Kafka Connect's worker settings; standalone mode, "
                    + "bootstrap.servers is always the platform's broker).")
    Path connectConfig;

    @Option(names = {"-o", "--override"}, paramLabel = "PART.KEY=VALUE",
            description = "Override one setting of one part (repeatable), e.g. broker.log.dirs=/var/lib/sluice or "
                    + "registry.listeners=http://127.0.0.1:18081 or connect.plugin.path=/opt/connectors.")
    List<String> overrides = List.of();

    @Option(names = "--demo", description = "Also run the exactly-once pipeline example: an H2 orders table (in the "
            + "broker's data dir) -> JDBC source -> Avro topic -> enrich-orders job -> exactly-once JDBC sink -> "
            + "orders_enriched, fed with new orders and checked every 10 s.")
    boolean demo;

    @Override
    public Integer call() throws Exception {
        BrokerConfig broker;
        Map<String, String> registry;
        Map<String, String> connect;
        try {
            broker = BrokerConfig.of(PlatformSettings.of("broker.", brokerConfig, overrides));
            registry = PlatformSettings.of("registry.", registryConfig, overrides);
            RegistryConfig.of(registry); // reject a bad registry setting before the broker starts
            connect = PlatformSettings.of("connect.", connectConfig, overrides);
            if (demo) {
                connect.putIfAbsent(WorkerConfig.VALUE_CONVERTER, PipelineDemo.AVRO_CONVERTER);
                connect.putIfAbsent("exactly.once.source.support", "enabled");
            }
            new WorkerConfig(ConnectPart.withDefaults(connect, broker.logDirs().get(0), null)); // and a bad worker one
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        long began = System.currentTimeMillis();
        Platform platform;
        try {
            platform = Platform.start(broker, registry, connect);
        } catch (RuntimeException e) {
            System.err.println("Cannot start the platform: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<PipelineDemo> running = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeDemo(running.get());
            platform.close();
            stopped.countDown();
        }, "sluice-platform-shutdown"));
        if (!platform.awaitReady(READY_TIMEOUT_MS)) {
            return 1; // exiting runs the shutdown hook, which stops what started
        }
        printReady(platform, System.currentTimeMillis() - began);
        if (demo) {
            running.set(PipelineDemo.start(broker.logDirs().get(0), platform.address(BrokerPart.class),
                    platform.address(RegistryPart.class), platform.address(ConnectPart.class)));
        }
        stopped.await();
        return 0;
    }

    private static void closeDemo(PipelineDemo demo) {
        if (demo != null) {
            try {
                demo.close();
            } catch (Exception e) {
                System.err.println("Stopping the pipeline demo: " + e);
            }
        }
    }

    private static void printReady(Platform platform, long elapsedMs) {
        List<Part> parts = platform.parts();
        for (Part part : parts) {
            System.out.printf("  %-16s %s%n", part.name(), part.address());
        }
        List<Part> closed = parts.stream().filter(Part::loopbackOnly).toList();
        if (!closed.isEmpty()) {
            System.out.println("  reachable from this machine only; to open it set "
                    + closed.stream().map(Part::openWith).collect(Collectors.joining(", ")));
        }
        System.out.println("Sluice platform ready in " + (elapsedMs / 100) / 10.0 + " s: "
                + parts.stream().map(p -> p.name() + " " + p.address()).collect(Collectors.joining(", "))
                + ". Ctrl-C stops it.");
        System.out.flush();
    }
}
