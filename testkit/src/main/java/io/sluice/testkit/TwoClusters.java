package io.sluice.testkit;

import java.util.Map;

/**
 * Two independent clusters on loopback, each with its own embedded ZooKeeper, brokers and data
 * directories (so its own cluster id, topics and groups): the source and target a mirror copies
 * between. Either can be killed or restarted broker by broker through {@link #source()} and {@link #target()}.
 */
public final class TwoClusters implements AutoCloseable {
    private final TestCluster source;
    private final TestCluster target;

    private TwoClusters(TestCluster source, TestCluster target) {
        this.source = source;
        this.target = target;
    }

    /** {@code overrides} apply to every broker of both clusters. */
    public static TwoClusters start(int sourceBrokers, int targetBrokers, Map<String, String> overrides) {
        TestCluster source = TestCluster.start(sourceBrokers, overrides);
        try {
            return new TwoClusters(source, TestCluster.start(targetBrokers, overrides));
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    public TestCluster source() {
        return source;
    }

    public TestCluster target() {
        return target;
    }

    @Override
    public void close() {
        try {
            target.close();
        } finally {
            source.close();
        }
    }
}
