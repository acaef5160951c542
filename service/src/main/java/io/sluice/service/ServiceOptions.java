package io.sluice.service;

import io.sluice.service.config.PropertiesLoader;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The options of a long-running subcommand ({@code sluice broker}, {@code sluice registry}), as a picocli mixin:
 * a {@code .properties} file under the names the component's Apache/Confluent counterpart uses, and repeatable
 * {@code key=value} overrides that win over it; both read by {@link PropertiesLoader}. {@link #run} turns them into
 * a running component and the process's exit code.
 */
public final class ServiceOptions {
    /** Exit code of a command whose settings are wrong (unknown key, bad value, missing file). */
    public static final int EXIT_CONFIG_ERROR = 2;
    /** Exit code of a command whose component failed to start. */
    public static final int EXIT_START_FAILED = 1;
    /** How long the shutdown hook waits for the component to stop before letting the JVM exit anyway. */
    public static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    /** Turns settings into a component's config; throws {@link ConfigException} naming a bad setting. */
    @FunctionalInterface
    public interface Parser<C> {
        C parse(Map<String, String> settings);
    }

    /** Starts a component; returns once it runs. */
    @FunctionalInterface
    public interface Starter<C> {
        AutoCloseable start(C config);
    }

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Properties file of settings.")
    Path configFile;

    @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE",
            description = "Override one setting (repeatable). Values may use ${env:VAR} and ${file:path:key}.")
    List<String> overrides = List.of();

    /**
     * The file's settings (when one was given), then the overrides, config providers resolved.
     *
     * @throws ConfigException naming the file or key at fault
     */
    public Map<String, String> settings() {
        return PropertiesLoader.load(configFile, overrides);
    }

    /**
     * Reads the settings, parses them into the component's config, starts the component and runs it until the JVM is told to stop (SIGTERM, Ctrl-C).
     * Returns {@link #EXIT_CONFIG_ERROR} after one line on stderr when a setting is wrong (a {@link ConfigException}
     * from the loader or the component's config), {@link #EXIT_START_FAILED} when it cannot start, else 0 once
     * stopped.
     */
    public <C> int run(Parser<C> parser, Starter<C> starter, String name, PrintStream err) throws InterruptedException {
        C config;
        try {
            config = parser.parse(settings());
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("Invalid configuration: " + e.getMessage());
            return EXIT_CONFIG_ERROR;
        }
        AutoCloseable component;
        try {
            component = starter.start(config);
        } catch (RuntimeException e) {
            err.println(name + " failed to start: " + e.getMessage()
                    + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
            return EXIT_START_FAILED;
        }
        runUntilStopped(component, name + "-shutdown");
        return 0;
    }

    /**
     * Starts a component whose settings are already read and runs it until the JVM is told to stop. Returns
     * {@link #EXIT_CONFIG_ERROR} after one line on stderr when {@code start} throws a {@link ConfigException},
     * {@link #EXIT_START_FAILED} when it throws anything else, else prints {@code readyLine} to stdout and returns
     * 0 once stopped.
     *
     * @param name as in "{@code name} failed to start"; its shutdown threads are named after it
     */
    public static <S extends AutoCloseable> int startAndRun(Supplier<S> start, String name,
                                                            Function<S, String> readyLine) throws InterruptedException {
        S service;
        try {
            service = start.get();
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            return EXIT_CONFIG_ERROR;
        } catch (RuntimeException e) {
            System.err.println(name + " failed to start: " + e.getMessage());
            return EXIT_START_FAILED;
        }
        System.out.println(readyLine.apply(service));
        runUntilStopped(service, name.replace(' ', '-') + "-shutdown");
        return 0;
    }

    /**
     * Blocks until the JVM is told to stop, then closes {@code service} on the shutdown hook's thread so that it
     * stops cleanly before the process exits; a stop that hangs is abandoned after {@link #SHUTDOWN_TIMEOUT}.
     */
    public static void runUntilStopped(AutoCloseable service, String shutdownThreadName) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread closer = new Thread(() -> {
                try {
                    service.close();
                } catch (Exception e) {
                    System.err.println("Stopping failed: " + e);
                } finally {
                    stopped.countDown();
                }
            }, shutdownThreadName + "-close");
            closer.setDaemon(true);
            closer.start();
            try {
                if (!stopped.await(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    System.err.println("Stopping took longer than " + SHUTDOWN_TIMEOUT.toSeconds() + " s; exiting anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, shutdownThreadName));
        stopped.await();
    }
}
