package io.sluice.testkit;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster on a loopback port, made with the machine's {@code initdb}/{@code pg_ctl} and
 * removed on {@link #close()}. PostgreSQL refuses to run as root, so when the tests run as root the server runs as
 * the {@code postgres} user (through {@code runuser}). fsync is off: these clusters hold test data only.
 *
 * <p>{@link #available()} says whether a server can be started here, with the reason when it cannot, so a test can
 * skip loudly instead of failing on a machine without PostgreSQL.
 */
public final class PostgresServer implements AutoCloseable {
    private static final String OS_USER = "postgres";
    /** Database user with trust authentication on loopback. */
    public static final String USER = "postgres";

    private final Path dir;
    private final Path binDir;
    private final int port;
    private final boolean asPostgresUser;

    private PostgresServer(Path dir, Path binDir, int port, boolean asPostgresUser) {
        this.dir = dir;
        this.binDir = binDir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** Why PostgreSQL cannot be started on this machine, or null when it can. */
    public static String unavailableReason() {
        if (findBinDir() == null) {
            return "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH";
        }
        if (isRoot() && !new File("/usr/sbin/runuser").canExecute() && !new File("/sbin/runuser").canExecute()) {
            return "running as root and runuser is missing, so PostgreSQL cannot be started as user " + OS_USER;
        }
        return null;
    }

    public static boolean available() {
        return unavailableReason() == null;
    }

    /** Initialises and starts a new cluster; blocks until it accepts connections. */
    public static PostgresServer start() throws IOException, InterruptedException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException("PostgreSQL cannot be started: " + reason);
        }
        Path binDir = findBinDir();
        boolean asPostgres = isRoot();
        Path dir = Files.createTempDirectory("sluice-pg-");
        if (asPostgres) {
            run(List.of("chown", OS_USER + ":", dir.toString()), false, null);
        }
        PostgresServer server = new PostgresServer(dir, binDir, freePort(), asPostgres);
        try {
            server.pg(List.of("initdb", "-D", server.dataDir(), "-U", USER, "-A", "trust", "-E", "UTF8",
                    "--no-sync", "--locale=C"));
            server.pg(List.of("pg_ctl", "-D", server.dataDir(), "-l", dir.resolve("server.log").toString(), "-w",
                    "-t", "60", "-o", "-p " + server.port + " -k " + dir + " -c listen_addresses=127.0.0.1"
                            + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                            + " -c max_connections=200", "start"));
        } catch (IOException | RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** The directory holding the cluster's data and log; removed by {@link #close()}. */
    public Path directory() {
        return dir;
    }

    public int port() {
        return port;
    }

    /** JDBC URL of the {@code postgres} database; see {@link #createDatabase(String)} for a fresh one. */
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates database {@code name} and returns its JDBC URL. */
    public String createDatabase(String name) throws IOException, InterruptedException {
        pg(List.of("createdb", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER, name));
        return jdbcUrl(name);
    }

    /** The server's log, for a failing test's message. */
    public String log() {
        try {
            return Files.readString(dir.resolve("server.log"));
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
                pg(List.of("pg_ctl", "-D", dataDir(), "-m", "immediate", "-w", "stop"));
            }
        } catch (IOException | RuntimeException e) {
            // best effort: the directory goes below either way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // temp directory; nothing else to do
        }
    }

    private String dataDir() {
        return dir.resolve("data").toString();
    }

    private void pg(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(command);
        full.set(0, binDir.resolve(command.get(0)).toString());
        run(full, asPostgresUser, dir);
    }

    private static void run(List<String> command, boolean asPostgres, Path workDir)
            throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", full));
        }
        if (process.exitValue() != 0) {
            throw new IOException("exit " + process.exitValue() + " from " + String.join(" ", full) + ":\n" + output);
        }
    }

    private static Path findBinDir() {
        File root = new File("/usr/lib/postgresql");
        File[] versions = root.listFiles();
        if (versions != null) {
            for (File version : versions) {
                Path bin = version.toPath().resolve("bin");
                if (Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"))) {
                    return bin;
                }
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                Path bin = Path.of(entry);
                if (Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"))) {
                    return bin;
                }
            }
        }
        return null;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
