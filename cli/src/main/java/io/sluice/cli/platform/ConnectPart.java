package io.sluice.cli.platform;

import io.sluice.connect.ConnectStandalone;
import io.sluice.connect.worker.WorkerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The platform's Kafka Connect worker (standalone): Kafka Connect's worker settings from {@code --connect-config}
 * and {@code connect.*} overrides, bootstrapping from the platform's broker, with defaults that make it work
 * unconfigured — REST on {@code http://127.0.0.1:8083}, source offsets under the broker's first log dir, the
 * plugins the build ships ({@code cli/target/plugins}) on {@code plugin.path}, and the platform's registry as
 * {@code schema.registry.url} of the key and value converters (used by {@code AvroConverter}).
 */
final class ConnectPart implements Part {
    private static final Logger log = LoggerFactory.getLogger(ConnectPart.class);
    static final String DEFAULT_LISTENER = "http://127.0.0.1:8083";

    private final ConnectStandalone worker;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ConnectPart(ConnectStandalone worker) {
        this.worker = worker;
    }

    /**
     * The worker's settings: {@code configured} plus the platform's defaults for what it leaves out.
     *
     * @param dataDir where the offsets file goes (a {@code connect/} directory in it)
     */
    static Map<String, String> withDefaults(Map<String, String> configured, Path dataDir, String registryUrl) {
        Map<String, String> settings = new HashMap<>(configured);
        settings.putIfAbsent(WorkerConfig.LISTENERS, DEFAULT_LISTENER);
        settings.putIfAbsent(WorkerConfig.OFFSET_STORAGE_FILE,
                dataDir.resolve("connect").resolve("connect.offsets").toString());
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
        return new ConnectPart(ConnectStandalone.start(worker, List.of()));
    }

    @Override
    public String name() {
        return "connect";
    }

    @Override
    public String address() {
        String url = worker.url();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public boolean loopbackOnly() {
        return Loopback.isLoopbackHost(URI.create(worker.url()).getHost());
    }

    @Override
    public String openWith() {
        return "connect.listeners=http://0.0.0.0:" + URI.create(worker.url()).getPort();
    }

    /** GET / answers with the worker's version. */
    @Override
    public boolean answers() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(worker.url()))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void close() {
        worker.close();
    }
}
