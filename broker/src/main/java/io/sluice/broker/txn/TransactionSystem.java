package io.sluice.broker.txn;

import io.sluice.broker.cluster.PartitionState;
import io.sluice.broker.cluster.ProducerIdBlocks;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.replication.ReplicaManager;
import io.sluice.broker.replication.ReplicatedAppender;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.internals.Topic;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Transactions on a broker: creates {@code __transaction_state} on first use (the first
 * FindCoordinator for a transactional id, once enough brokers are live for its replication factor, as
 * Kafka does), coordinates the transactional ids of the partitions of it this
 * broker leads (loading them as leadership arrives, completing transactions found prepared), writes
 * the markers, tells FindCoordinator the leader of a transactional id's partition, aborts transactions
 * past their timeout and
 * expires transactional ids left idle for {@code transactional.id.expiration.ms}.
 * Close it before the group coordinator and the logs.
 */
public final class TransactionSystem implements AutoCloseable {
    private final TransactionCoordinator coordinator;
    private final TransactionMarkerWriter markers;
    private final Function<String, Optional<Node>> coordinatorNodes;

    private TransactionSystem(TransactionCoordinator coordinator, TransactionMarkerWriter markers,
                              Function<String, Optional<Node>> coordinatorNodes) {
        this.coordinator = coordinator;
        this.markers = markers;
        this.coordinatorNodes = coordinatorNodes;
    }

    /**
     * Starts the transaction coordinator. Call after the group coordinator is wired (markers of
     * transactions completed at load go to it).
     *
     * @param liveNodes the live brokers by id, as clients and other brokers reach them
     */
    public static TransactionSystem start(BrokerConfig brokerConfig, TopicRegistry topics, GroupCoordinator groups,
                                          ReplicaManager replicas, IntFunction<Optional<Node>> liveNodes,
                                          boolean singleNode, ProducerIdBlocks producerIds, Clock clock) {
        TransactionConfig config = TransactionConfig.from(brokerConfig);
        int requestTimeoutMs = brokerConfig.getInt(BrokerConfig.REQUEST_TIMEOUT_MS);
        StateTopic stateTopic = new StateTopic(topics, config, singleNode);
        ReplicatedAppender appender = replicas.replicatedAppender(requestTimeoutMs);
        TransactionStateStore store = new TransactionStateStore(stateTopic.partitionCount(), topics::log, appender);
        TransactionMarkerWriter markers = new TransactionMarkerWriter(brokerConfig.brokerId(),
                tp -> leaderOf(topics, replicas, tp), liveNodes, appender, groups::onTxnMarker, clock, requestTimeoutMs);
        TransactionCoordinator coordinator = new TransactionCoordinator(config, store, markers,
                producerIds::nextProducerId, clock, partition -> replicas.leaderEpoch(
                        new TopicPartition(Topic.TRANSACTION_STATE_TOPIC_NAME, partition))
                        .map(OptionalInt::of).orElse(OptionalInt.empty()));
        coordinator.start();
        replicas.addLeadershipListener((tp, leader) -> {
            if (!tp.topic().equals(Topic.TRANSACTION_STATE_TOPIC_NAME)) {
                return;
            }
            coordinator.onLeadershipChange(tp.partition(), leader);
        });
        return new TransactionSystem(coordinator, markers, transactionalId -> {
            stateTopic.ensure(store.numPartitions());
            TopicPartition tp = new TopicPartition(Topic.TRANSACTION_STATE_TOPIC_NAME, store.partitionFor(transactionalId));
            return replicas.state(tp).flatMap(s -> liveNodes.apply(s.leader()));
        });
    }

    /** The partition's leader id (-1 while it has none), empty when the partition does not exist. */
    private static OptionalInt leaderOf(TopicRegistry topics, ReplicaManager replicas, TopicPartition tp) {
        Optional<TopicInfo> topic = topics.get(tp.topic());
        if (topic.isEmpty() || tp.partition() < 0 || tp.partition() >= topic.get().partitionCount()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(replicas.state(tp).map(PartitionState::leader).orElse(-1));
    }

    /**
     * {@code __transaction_state}, created as Kafka does: on first use, and only once its replication
     * factor's worth of brokers are live.
     */
    private static final class StateTopic {
        private final TopicRegistry topics;
        private final TransactionConfig config;
        private final boolean singleNode;

        StateTopic(TopicRegistry topics, TransactionConfig config, boolean singleNode) {
            this.topics = topics;
            this.config = config;
            this.singleNode = singleNode;
        }

        int partitionCount() {
            // The topic may predate a change of the setting: its real partition count decides placement.
            return topics.get(Topic.TRANSACTION_STATE_TOPIC_NAME).map(TopicInfo::partitionCount)
                    .orElse(config.stateLogNumPartitions());
        }

        /** Creates the topic if it is time; throws if it exists with other than {@code partitions} partitions. */
        void ensure(int partitions) {
            Optional<TopicInfo> created = topics.ensureInternalTopic(Topic.TRANSACTION_STATE_TOPIC_NAME,
                    config.stateLogNumPartitions(), config.stateLogReplicationFactor(),
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                            TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(config.stateLogSegmentBytes()),
                            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(config.stateLogMinIsr())),
                    singleNode);
            if (created.isPresent() && created.get().partitionCount() != partitions) {
                // Another broker created it with its own setting: ids would map to other partitions here.
                throw new org.apache.kafka.common.errors.InvalidConfigurationException(
                        Topic.TRANSACTION_STATE_TOPIC_NAME + " has " + created.get().partitionCount()
                                + " partitions but this broker placed transactional ids over " + partitions
                                + " (" + BrokerConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS + ")");
            }
        }
    }

    /**
     * The broker coordinating {@code transactionalId} (the leader of its {@code __transaction_state}
     * partition; empty while it has none), creating that topic first if it is time.
     */
    public Optional<Node> coordinatorNode(String transactionalId) {
        return coordinatorNodes.apply(transactionalId);
    }

    /** The transaction coordinator, for the transaction APIs. */
    public TransactionCoordinator coordinator() {
        return coordinator;
    }

    /** Writes markers to the partitions this broker leads, for WriteTxnMarkers. */
    public TransactionMarkerWriter markers() {
        return markers;
    }

    /** Runs the timed-out transaction check now; returns how many transactions it aborted. */
    public int abortTimedOutTransactions() {
        return coordinator.abortTimedOut();
    }

    @Override
    public void close() {
        coordinator.close();
        markers.close();
    }
}
