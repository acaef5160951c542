package io.sluice.broker.txn;

import io.sluice.broker.api.ApiRouter;
import io.sluice.broker.api.InitProducerIdHandler;
import io.sluice.broker.cluster.ProducerIdBlocks;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.transactions.producer.ProducerStateTable;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.internals.Topic;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Transactions on a broker: creates {@code __transaction_state}, loads it (completing transactions
 * found prepared), serves InitProducerId (in place of the plain handler), AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit, EndTxn, DescribeTransactions and ListTransactions, makes
 * FindCoordinator answer for transactional ids, and aborts transactions past their timeout. Close it
 * before the group coordinator and the logs.
 */
public final class TransactionSystem implements AutoCloseable {
    private final TransactionCoordinator coordinator;
    private final TransactionMarkerWriter markers;
    private final TransactionApis apis;
    private final ApiRouter router;
    private final GroupCoordinator groups;

    private TransactionSystem(TransactionCoordinator coordinator, TransactionMarkerWriter markers, TransactionApis apis,
                              ApiRouter router, GroupCoordinator groups) {
        this.coordinator = coordinator;
        this.markers = markers;
        this.apis = apis;
        this.router = router;
        this.groups = groups;
    }

    /**
     * Starts the transaction coordinator. Call after the group coordinator has loaded
     * {@code __consumer_offsets} (markers of transactions completed at load go to it).
     *
     * @param node this broker, as clients reach it (FindCoordinator answers are built from it by the
     *             group coordinator; kept for multi-broker coordinator placement)
     */
    public static TransactionSystem start(BrokerConfig brokerConfig, TopicRegistry topics, GroupCoordinator groups,
                                          ApiRouter router, Supplier<Node> node, ProducerIdBlocks producerIds,
                                          Clock clock) {
        return start(brokerConfig, topics, groups, router, node, producerIds, clock,
                TransactionMarkerWriter.MarkerAppender.local(topics::log));
    }

    /** As above, with markers written through {@code markerAppender} (the replica manager, as leader). */
    public static TransactionSystem start(BrokerConfig brokerConfig, TopicRegistry topics, GroupCoordinator groups,
                                          ApiRouter router, Supplier<Node> node, ProducerIdBlocks producerIds,
                                          Clock clock, TransactionMarkerWriter.MarkerAppender markerAppender) {
        TransactionConfig config = TransactionConfig.from(brokerConfig);
        topics.ensureTopic(Topic.TRANSACTION_STATE_TOPIC_NAME, config.stateLogNumPartitions(),
                config.stateLogReplicationFactor(), Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(config.stateLogSegmentBytes())));
        // The topic may predate a change of the setting: its real partition count decides placement.
        int partitions = topics.get(Topic.TRANSACTION_STATE_TOPIC_NAME).orElseThrow().partitionCount();
        TransactionStateStore store = new TransactionStateStore(partitions, topics::log);
        TransactionMarkerWriter markers = new TransactionMarkerWriter(markerAppender, groups::onTxnMarker, clock);
        TransactionCoordinator coordinator = new TransactionCoordinator(config, store, markers,
                producerIds::nextProducerId, clock);
        TransactionApis apis = new TransactionApis(coordinator, topics, new InitProducerIdHandler(producerIds),
                groups::partitionFor);
        apis.register(router, groups::txnOffsetCommit);
        TransactionSystem system = new TransactionSystem(coordinator, markers, apis, router, groups);
        try {
            coordinator.start();
        } catch (RuntimeException e) {
            coordinator.close();
            throw e;
        }
        groups.transactionCoordinatorPresent(() -> true);
        return system;
    }

    /**
     * Serves DescribeProducers from the partitions' producer state, e.g.
     * {@code tp -> topics.log(tp).map(PartitionLog::producerState)}.
     */
    public TransactionSystem describeProducersFrom(Function<TopicPartition, Optional<ProducerStateTable>> states) {
        apis.registerDescribeProducers(router, states);
        return this;
    }

    /** Runs the timed-out transaction check now; returns how many transactions it aborted. */
    public int abortTimedOutTransactions() {
        return coordinator.abortTimedOut();
    }

    @Override
    public void close() {
        groups.transactionCoordinatorPresent(() -> false);
        coordinator.close();
    }
}
