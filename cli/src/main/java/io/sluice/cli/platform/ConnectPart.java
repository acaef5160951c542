package io.sluice.cli.platform;

import io.sluice.connect.ConnectDistributed;
import io.sluice.connect.ConnectStandalone;
import io.sluice.connect.worker.WorkerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The platform's Kafka Connect worker, standalone or ({@code connect.mode=distributed}) a distributed worker that
 * other {@code sluice connect distributed} workers with the same {@code group.id} can join: Kafka Connect's worker settings from {@code --connect-config}
 * and {@code connect.*} overrides, bootstrapping from the platform's broker, with defaults that make it work
 * unconfigured — REST on {@code http://127.0.0.1:8083}, source offsets under the broker's first log dir, the
 * plugins the build ships ({@code cli/target/plugins}) on {@code plugin.path}, and the platform's registry as
 * {@code schema.registry.url} of the key and value converters (used by {@code AvroConverter}).
 */
final class ConnectPart implements Part {
    private static final Logger log = LoggerFactory.getLogger(ConnectPart.class);
    static final String DEFAULT_LISTENER = "http://127.0.0.1:8083";
    /** Sluice's platform setting (not a worker setting): {@code standalone} (default) or {@code distributed}. */
    static final String MODE = "mode";
    static final String DEFAULT_GROUP = "sluice-platform-connect";

    private final AutoCloseable worker;
    private final String url;
    private final HttpProbe probe = new HttpProbe();

    private ConnectPart(AutoCloseable worker, String url) {
        this.worker = worker;
        this.url = url;
    }

    /** {@code standalone} or {@code distributed}, from {@code connect.mode}; anything else is a config error. */
    static boolean distributed(Map<String, String> settings) {
        String mode = settings.getOrDefault(MODE, "standalone").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (mode) {
            case "standalone" -> false;
            case "distributed" -> true;
            default -> throw new org.apache.kafka.common.config.ConfigException("connect." + MODE, mode,
                    "must be standalone or distributed");
        };
    }

    /**
     * The worker's settings: {@code configured} plus the platform's defaults for what it leaves out.
     *
     * @param dataDir where the offsets file goes (a {@code connect/} directory in it)
     */
    static Map<String, String> withDefaults(Map<String, String> configured, Path dataDir, String registryUrl) {
        Map<String, String> settings = new HashMap<>(configured);
        settings.putIfAbsent(WorkerConfig.LISTENERS, DEFAULT_LISTENER);
        if (distributed(settings)) {
            // The platform is one broker: internal topics of replication factor 1 unless the user says otherwise.
            settings.putIfAbsent(WorkerConfig.GROUP_ID, DEFAULT_GROUP);
            for (String key : List.of(WorkerConfig.CONFIG_REPLICATION_FACTOR, WorkerConfig.OFFSET_REPLICATION_FACTOR,
                    WorkerConfig.STATUS_REPLICATION_FACTOR)) {
                settings.putIfAbsent(key, "1");
            }
        } else {
            settings.putIfAbsent(WorkerConfig.OFFSET_STORAGE_FILE,
                    dataDir.resolve("connect").resolve("connect.offsets").toString());
        }
        if (!settings.containsKey(WorkerConfig.PLUGIN_PATH)) {
            Path shipped = shippedPlugins();
            if (shipped != null) {
                settings.put(WorkerConfig.PLUGIN_PATH, shipped.toString());
            }
        }
        if (registryUrl != null) {
            for (String converter : List.of(WorkerConfig.KEY_CONVERTER, WorkerConfig.VALUE_CONVERTER)) {
                settings.putIfAbsent(converter + ".schema.registry.url", registryUrl);
            }
        }
        return settings;
    }

    /** {@code cli/target/plugins}, found beside the classes (or jar) this runs from, as bin/sluice runs it. */
    private static Path shippedPlugins() {
        try {
            Path classes = Path.of(ConnectPart.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path plugins = classes.getParent().resolve("plugins");
            return Files.isDirectory(plugins) ? plugins.toAbsolutePath().normalize() : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** Starts the worker against {@code bootstrapServers}, whatever {@code bootstrap.servers} said. */
    static ConnectPart start(Map<String, String> settings, String bootstrapServers) {
        Map<String, String> worker = new HashMap<>(settings);
        String configured = worker.put(WorkerConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        if (configured != null && !configured.equals(bootstrapServers)) {
            log.info("Connect worker: {}={} replaced by the platform's broker {}", WorkerConfig.BOOTSTRAP_SERVERS,
                    configured, bootstrapServers);
        }
        boolean distributed = distributed(worker);
        worker.remove(MODE);
        if (distributed) {
            ConnectDistributed started = ConnectDistributed.start(worker);
            return new ConnectPart(started, started.url());
        }
        ConnectStandalone started = ConnectStandalone.start(worker, List.of());
        return new ConnectPart(started, started.url());
    }

    @Override
    public String name() {
        return "connect";
    }

    @Override
    public String address() {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public boolean loopbackOnly() {
        return Loopback.isLoopbackHost(URI.create(url).getHost());
    }

    @Override
    public String openWith() {
        return "connect.listeners=http://0.0.0.0:" + URI.create(url).getPort();
    }

    /** GET / answers with the worker's version. */
    @Override
    public boolean answers() {
        return probe.answers200(URI.create(url));
    }

    @Override
    public void close() {
        try {
            worker.close();
        } catch (Exception e) {
            log.warn("Connect worker did not close cleanly", e);
        }
    }
}
