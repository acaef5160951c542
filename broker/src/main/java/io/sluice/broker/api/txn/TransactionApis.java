package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRouter;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.transactions.producer.ProducerStateTable;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Which transaction APIs are served, at which versions, by which handler over {@link TransactionCoordinator}.
 *
 * <p>Only transaction protocol v1 is served, so only the versions of it are advertised: EndTxn up to
 * v4 and AddPartitionsToTxn up to v3 (v5 / v4+ belong to KIP-890's TV2, which clients use only when
 * the broker advertises them and finalizes the {@code transaction.version} feature, which Sluice
 * does not), TxnOffsetCommit up to v4, InitProducerId up to v5 (v6 is KIP-939 two-phase commit).
 * Requests older than PRODUCER_FENCED (KIP-588) get INVALID_PRODUCER_EPOCH instead.
 */
public final class TransactionApis {
    static final short INIT_PRODUCER_ID_MAX = 5;
    static final short ADD_PARTITIONS_TO_TXN_MAX = 3;
    static final short ADD_OFFSETS_TO_TXN_MAX = 4;
    static final short END_TXN_MAX = 4;
    static final short TXN_OFFSET_COMMIT_MAX = 4;

    private final TransactionCoordinator coordinator;
    private final TopicRegistry topics;
    private final ApiHandler plainInitProducerId;
    private final ToIntFunction<String> offsetsPartitionFor;

    public TransactionApis(TransactionCoordinator coordinator, TopicRegistry topics, ApiHandler plainInitProducerId,
                           ToIntFunction<String> offsetsPartitionFor) {
        this.coordinator = coordinator;
        this.topics = topics;
        this.plainInitProducerId = plainInitProducerId;
        this.offsetsPartitionFor = offsetsPartitionFor;
    }

    public void register(ApiRouter router, ApiHandler txnOffsetCommit) {
        router.register(ApiKeys.INIT_PRODUCER_ID, ApiKeys.INIT_PRODUCER_ID.oldestVersion(), INIT_PRODUCER_ID_MAX,
                        new TransactionalInitProducerIdHandler(coordinator, plainInitProducerId))
                .register(ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_PARTITIONS_TO_TXN.oldestVersion(),
                        ADD_PARTITIONS_TO_TXN_MAX, new AddPartitionsToTxnHandler(coordinator, topics))
                .register(ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN.oldestVersion(), ADD_OFFSETS_TO_TXN_MAX,
                        new AddOffsetsToTxnHandler(coordinator, offsetsPartitionFor))
                .register(ApiKeys.END_TXN, ApiKeys.END_TXN.oldestVersion(), END_TXN_MAX, new EndTxnHandler(coordinator))
                .register(ApiKeys.TXN_OFFSET_COMMIT, ApiKeys.TXN_OFFSET_COMMIT.oldestVersion(), TXN_OFFSET_COMMIT_MAX,
                        txnOffsetCommit)
                .register(ApiKeys.DESCRIBE_TRANSACTIONS, new DescribeTransactionsHandler(coordinator))
                .register(ApiKeys.LIST_TRANSACTIONS, new ListTransactionsHandler(coordinator));
    }

    public void registerDescribeProducers(ApiRouter router, Function<TopicPartition, Optional<ProducerStateTable>> states) {
        router.register(ApiKeys.DESCRIBE_PRODUCERS, new DescribeProducersHandler(states));
    }
}
