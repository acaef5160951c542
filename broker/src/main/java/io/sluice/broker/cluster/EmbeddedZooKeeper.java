package io.sluice.broker.cluster;

import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A single-node ZooKeeper server in this JVM, for a broker started without {@code zookeeper.connect}
 * (and for tests). Its data lives in a directory of its own so that it survives broker restarts.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

    private final ServerCnxnFactory factory;
    private final ZooKeeperServer server;

    private EmbeddedZooKeeper(ServerCnxnFactory factory, ZooKeeperServer server) {
        this.factory = factory;
        this.server = server;
    }

    /** Starts on loopback; port 0 picks a free port. */
    public static EmbeddedZooKeeper start(Path dataDir, int port) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        // The admin HTTP server would grab port 8080; a broker has no use for it.
        System.setProperty("zookeeper.admin.enableServer", "false");
        System.setProperty("zookeeper.4lw.commands.whitelist", "ruok,stat,srvr");
        ZooKeeperServer server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), 500);
        ServerCnxnFactory factory = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", port), 1000);
        factory.startup(server);
        log.info("Started embedded ZooKeeper on 127.0.0.1:{} with data in {}", factory.getLocalPort(), dataDir);
        return new EmbeddedZooKeeper(factory, server);
    }

    public String connectString() {
        return "127.0.0.1:" + factory.getLocalPort();
    }

    public int port() {
        return factory.getLocalPort();
    }

    @Override
    public void close() {
        factory.shutdown();
        server.shutdown(true);
        log.info("Stopped embedded ZooKeeper");
    }
}
