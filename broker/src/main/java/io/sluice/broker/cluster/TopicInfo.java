package io.sluice.broker.cluster;

import org.apache.kafka.common.Uuid;

import java.util.List;
import java.util.Map;

/**
 * A topic as stored in ZooKeeper: its id, each partition's replica list (index = partition), and its
 * config overrides.
 */
public record TopicInfo(String name, Uuid id, List<List<Integer>> replicas, Map<String, String> configs) {

    public int partitionCount() {
        return replicas.size();
    }

    public short replicationFactor() {
        return (short) (replicas.isEmpty() ? 0 : replicas.get(0).size());
    }

    public boolean isInternal() {
        return name.startsWith("__");
    }
}
