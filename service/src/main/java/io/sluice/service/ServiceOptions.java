package io.sluice.service;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The options of a long-running subcommand ({@code sluice broker}, {@code sluice registry}), as a
 * picocli mixin: a {@code .properties} file under the names the component's Apache/Confluent
 * counterpart uses, and repeatable {@code key=value} overrides that win over it.
 */
public final class ServiceOptions {
    /** Reads a properties file into settings (each component validates its own names). */
    @FunctionalInterface
    public interface Loader {
        Map<String, String> load(Path file) throws IOException;
    }

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Properties file of settings.")
    Path configFile;

    @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    List<String> overrides = List.of();

    /**
     * The file's settings (when one was given), then the overrides.
     *
     * @throws IllegalArgumentException naming an override that is not {@code key=value}
     */
    public Map<String, String> settings(Loader loader) throws IOException {
        Map<String, String> values = new HashMap<>();
        if (configFile != null) {
            values.putAll(loader.load(configFile));
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Invalid --override '" + override + "': expected key=value");
            }
            values.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        return values;
    }

    /**
     * Blocks until the JVM is told to stop (SIGTERM, Ctrl-C), then closes {@code service} on the
     * shutdown hook's thread, so that it stops cleanly before the process exits.
     */
    public static void runUntilStopped(AutoCloseable service, String shutdownThreadName) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("Stopping failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, shutdownThreadName));
        stopped.await();
    }
}
