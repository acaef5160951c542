package io.sluice.cli;

import io.sluice.broker.cluster.EmbeddedZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code sluice zookeeper [--port 2181] [--data-dir DIR]}: a standalone single-node ZooKeeper for a
 * multi-broker cluster, for users who do not run an ensemble of their own. Brokers point at it with
 * {@code zookeeper.connect=127.0.0.1:2181}.
 */
@Command(name = "zookeeper", mixinStandardHelpOptions = true,
        description = "Start a single-node ZooKeeper for brokers to share (zookeeper.connect=HOST:PORT).")
public final class ZooKeeperCommand implements Callable<Integer> {

    @Option(names = {"-p", "--port"}, defaultValue = "2181", description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-d", "--data-dir"}, defaultValue = "./zookeeper-data", description = "Data directory (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        EmbeddedZooKeeper zooKeeper = EmbeddedZooKeeper.start(dataDir, port);
        System.out.println("ZooKeeper listening on " + zooKeeper.connectString() + ", data in " + dataDir);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            zooKeeper.close();
            stopped.countDown();
        }, "sluice-zookeeper-shutdown"));
        stopped.await();
        return 0;
    }
}
