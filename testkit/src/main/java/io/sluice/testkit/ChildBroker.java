package io.sluice.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Sluice broker in a child JVM ({@link ChildBrokerMain}), so that tests can kill it with SIGKILL and
 * start it again over the same data directory and port.
 */
public final class ChildBroker implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private final Map<String, String> overrides;
    private final Path logFile;
    private String mainClass = ChildBrokerMain.class.getName();
    private ChildJvm jvm;

    public ChildBroker(Path dataDir, Map<String, String> overrides) throws IOException {
        this.dataDir = dataDir;
        this.port = freePort();
        this.overrides = overrides;
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + "-broker.log");
    }

    /** A port free on loopback right now (for a child process that must keep one port across restarts). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Runs the broker from the next {@link #start()} through {@code main} instead of
     * {@link ChildBrokerMain}: a test entry point that arms a fault switch, then calls
     * {@link ChildBrokerMain#main} with the same arguments.
     */
    public ChildBroker mainClass(Class<?> main) {
        this.mainClass = main.getName();
        return this;
    }

    public void start() throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "--override", "log.dirs=" + dataDir,
                "--override", "group.initial.rebalance.delay.ms=0",
                "--override", "offsets.topic.num.partitions=3"));
        overrides.forEach((k, v) -> {
            args.add("--override");
            args.add(k + "=" + v);
        });
        jvm = new ChildJvm(logFile, "512m", mainClass, args).start();
        jvm.awaitReady(j -> portOpen(port), 60_000, "open port " + port);
    }

    private static boolean portOpen(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** SIGKILL: no shutdown hook, no flush, no clean-shutdown marker. */
    public void kill() throws InterruptedException {
        jvm.kill();
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() throws InterruptedException {
        if (jvm != null) {
            jvm.close();
        }
    }
}
