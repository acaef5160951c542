package io.sluice.broker.testing;

import io.sluice.broker.cli.BrokerCommand;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Sluice broker in a child JVM ({@code sluice broker} through the real CLI), so that tests can kill
 * it with SIGKILL and start it again over the same data directory and port.
 */
public final class ChildBroker implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private final Map<String, String> overrides;
    private final Path logFile;
    private String mainClass = BrokerCommand.class.getName();
    private Process process;

    public ChildBroker(Path dataDir, Map<String, String> overrides) throws IOException {
        this.dataDir = dataDir;
        this.port = freePort();
        this.overrides = overrides;
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + "-broker.log");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Runs the broker from the next {@link #start()} through {@code main} instead of
     * {@link BrokerCommand}: a test entry point that arms a fault switch, then calls
     * {@link BrokerCommand#main} with the same arguments.
     */
    public ChildBroker mainClass(Class<?> main) {
        this.mainClass = main.getName();
        return this;
    }

    public void start() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                mainClass,
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "--override", "log.dirs=" + dataDir,
                "--override", "group.initial.rebalance.delay.ms=0",
                "--override", "offsets.topic.num.partitions=3"));
        overrides.forEach((k, v) -> {
            cmd.add("--override");
            cmd.add(k + "=" + v);
        });
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Child broker exited with " + process.exitValue() + "; see " + logFile);
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Child broker did not open port " + port + " in time; see " + logFile);
    }

    /** SIGKILL: no shutdown hook, no flush, no clean-shutdown marker. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    public static File javaHome() {
        return new File(System.getProperty("java.home"));
    }
}
