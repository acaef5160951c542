package io.sluice.broker.cluster;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import java.nio.ByteBuffer;

/**
 * Hands out producer ids from blocks reserved in ZooKeeper with a conditional write, so that no id
 * is ever given out twice, across brokers and across restarts (ids left in a block at shutdown are
 * simply skipped).
 */
public final class ProducerIdBlocks {
    static final String PATH = "/sluice/producer_id_block";
    private static final long BLOCK_SIZE = 1000;

    private final CuratorFramework zk;
    private long next;
    private long blockEnd;

    public ProducerIdBlocks(CuratorFramework zk) {
        this.zk = zk;
    }

    public synchronized long nextProducerId() {
        if (next >= blockEnd) {
            reserveBlock();
        }
        return next++;
    }

    private void reserveBlock() {
        try {
            while (true) {
                Stat stat = new Stat();
                byte[] data;
                try {
                    data = zk.getData().storingStatIn(stat).forPath(PATH);
                } catch (KeeperException.NoNodeException e) {
                    try {
                        zk.create().creatingParentsIfNeeded().forPath(PATH, encode(0));
                    } catch (KeeperException.NodeExistsException raced) {
                        // another broker created it
                    }
                    continue;
                }
                long start = ByteBuffer.wrap(data).getLong();
                try {
                    zk.setData().withVersion(stat.getVersion()).forPath(PATH, encode(start + BLOCK_SIZE));
                    next = start;
                    blockEnd = start + BLOCK_SIZE;
                    return;
                } catch (KeeperException.BadVersionException e) {
                    // another broker took this block; try the next one
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot reserve producer ids in ZooKeeper", e);
        }
    }

    private static byte[] encode(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }
}
