package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.network.ApiRouter;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.transactions.coordinator.TransactionFilter;
import io.sluice.transactions.coordinator.TransactionMetadata;
import io.sluice.transactions.coordinator.TransactionState;
import io.sluice.transactions.producer.ProducerState;
import io.sluice.transactions.producer.ProducerStateTable;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The transaction APIs over {@link TransactionCoordinator}: request/response translation only.
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
                        this::initProducerId)
                .register(ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_PARTITIONS_TO_TXN.oldestVersion(),
                        ADD_PARTITIONS_TO_TXN_MAX, this::addPartitionsToTxn)
                .register(ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN.oldestVersion(), ADD_OFFSETS_TO_TXN_MAX,
                        this::addOffsetsToTxn)
                .register(ApiKeys.END_TXN, ApiKeys.END_TXN.oldestVersion(), END_TXN_MAX, this::endTxn)
                .register(ApiKeys.TXN_OFFSET_COMMIT, ApiKeys.TXN_OFFSET_COMMIT.oldestVersion(), TXN_OFFSET_COMMIT_MAX,
                        txnOffsetCommit)
                .register(ApiKeys.DESCRIBE_TRANSACTIONS, this::describeTransactions)
                .register(ApiKeys.LIST_TRANSACTIONS, this::listTransactions);
    }

    public void registerDescribeProducers(ApiRouter router, Function<TopicPartition, Optional<ProducerStateTable>> states) {
        router.register(ApiKeys.DESCRIBE_PRODUCERS, request -> describeProducers(request, states));
    }

    private static Errors forVersion(Errors error, short version, short firstVersionWithFenced) {
        return error == Errors.PRODUCER_FENCED && version < firstVersionWithFenced ? Errors.INVALID_PRODUCER_EPOCH : error;
    }

    // ------------------------------------------------------------------------------------ InitProducerId

    private CompletableFuture<AbstractResponse> initProducerId(ApiRequest request) {
        InitProducerIdRequestData d = request.body(InitProducerIdRequest.class).data();
        if (d.transactionalId() == null) {
            return plainInitProducerId.handle(request);
        }
        return coordinator.initProducerId(d.transactionalId(), d.transactionTimeoutMs(), d.producerId(),
                d.producerEpoch()).thenApply(result -> new InitProducerIdResponse(new InitProducerIdResponseData()
                .setErrorCode(forVersion(result.error(), request.version(), (short) 4).code())
                .setProducerId(result.producerId())
                .setProducerEpoch(result.producerEpoch())));
    }

    // ------------------------------------------------------------------------------- AddPartitionsToTxn

    private CompletableFuture<AbstractResponse> addPartitionsToTxn(ApiRequest request) {
        AddPartitionsToTxnRequestData d = request.body(AddPartitionsToTxnRequest.class).data();
        List<TopicPartition> partitions = AddPartitionsToTxnRequest.getPartitions(d.v3AndBelowTopics());
        Set<TopicPartition> unknown = new HashSet<>();
        for (TopicPartition tp : partitions) {
            Optional<TopicInfo> topic = topics.get(tp.topic());
            if (topic.isEmpty() || tp.partition() < 0 || tp.partition() >= topic.get().partitionCount()) {
                unknown.add(tp);
            }
        }
        CompletableFuture<Map<TopicPartition, Errors>> errors;
        if (!unknown.isEmpty()) {
            // As Kafka: nothing is added when any partition is unknown.
            Map<TopicPartition, Errors> out = new LinkedHashMap<>();
            partitions.forEach(tp -> out.put(tp, unknown.contains(tp) ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                    : Errors.OPERATION_NOT_ATTEMPTED));
            errors = CompletableFuture.completedFuture(out);
        } else {
            errors = coordinator.addPartitions(d.v3AndBelowTransactionalId(), d.v3AndBelowProducerId(),
                    d.v3AndBelowProducerEpoch(), new HashSet<>(partitions)).thenApply(e -> {
                        Errors error = forVersion(e, request.version(), (short) 2);
                        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
                        partitions.forEach(tp -> out.put(tp, error));
                        return out;
                    });
        }
        return errors.thenApply(out -> new AddPartitionsToTxnResponse(new AddPartitionsToTxnResponseData()
                .setResultsByTopicV3AndBelow(AddPartitionsToTxnResponse.resultForTransaction(
                        AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID, out).topicResults())));
    }

    // --------------------------------------------------------------------------------- AddOffsetsToTxn

    private CompletableFuture<AbstractResponse> addOffsetsToTxn(ApiRequest request) {
        AddOffsetsToTxnRequestData d = request.body(AddOffsetsToTxnRequest.class).data();
        CompletableFuture<Errors> error;
        if (d.groupId() == null || d.groupId().isEmpty()) {
            error = CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID);
        } else {
            TopicPartition offsets = new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME,
                    offsetsPartitionFor.applyAsInt(d.groupId()));
            error = coordinator.addPartitions(d.transactionalId(), d.producerId(), d.producerEpoch(), Set.of(offsets))
                    .thenApply(e -> forVersion(e, request.version(), (short) 2));
        }
        return error.thenApply(e -> new AddOffsetsToTxnResponse(new AddOffsetsToTxnResponseData().setErrorCode(e.code())));
    }

    // -------------------------------------------------------------------------------------------- EndTxn

    private CompletableFuture<AbstractResponse> endTxn(ApiRequest request) {
        EndTxnRequestData d = request.body(EndTxnRequest.class).data();
        return coordinator.endTxn(d.transactionalId(), d.producerId(), d.producerEpoch(), d.committed())
                .thenApply(e -> new EndTxnResponse(new EndTxnResponseData()
                        .setErrorCode(forVersion(e, request.version(), (short) 2).code())));
    }

    // ----------------------------------------------------------------------------- DescribeTransactions

    private CompletableFuture<AbstractResponse> describeTransactions(ApiRequest request) {
        DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
        for (String id : request.body(DescribeTransactionsRequest.class).data().transactionalIds()) {
            DescribeTransactionsResponseData.TransactionState out =
                    new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id)
                            .setTransactionState("").setProducerId(-1).setProducerEpoch((short) -1)
                            .setTransactionStartTimeMs(-1);
            response.transactionStates().add(out);
            Errors error = coordinator.check(id);
            if (error != Errors.NONE) {
                out.setErrorCode(error.code());
                continue;
            }
            Optional<TransactionMetadata> found = coordinator.describe(id);
            if (found.isEmpty()) {
                out.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
                continue;
            }
            TransactionMetadata txn = found.get();
            out.setTransactionState(txn.state().displayName())
                    .setTransactionTimeoutMs(txn.timeoutMs())
                    .setTransactionStartTimeMs(txn.txnStartTimestamp())
                    .setProducerId(txn.producerId())
                    .setProducerEpoch(txn.producerEpoch());
            Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
            txn.partitions().forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            byTopic.forEach((topic, partitions) -> out.topics().add(
                    new DescribeTransactionsResponseData.TopicData().setTopic(topic).setPartitions(partitions)));
        }
        return CompletableFuture.completedFuture(new DescribeTransactionsResponse(response));
    }

    // --------------------------------------------------------------------------------- ListTransactions

    private CompletableFuture<AbstractResponse> listTransactions(ApiRequest request) {
        ListTransactionsRequestData d = request.body(ListTransactionsRequest.class).data();
        ListTransactionsResponseData response = new ListTransactionsResponseData();
        if (!coordinator.allLoaded()) {
            return CompletableFuture.completedFuture(new ListTransactionsResponse(
                    response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code())));
        }
        Set<TransactionState> states = EnumSet.noneOf(TransactionState.class);
        for (String name : d.stateFilters()) {
            Optional<TransactionState> state = TransactionState.fromDisplayName(name);
            if (state.isPresent()) {
                states.add(state.get());
            } else {
                response.unknownStateFilters().add(name);
            }
        }
        if (states.isEmpty() && !d.stateFilters().isEmpty()) {
            // Only unknown states were asked for: nothing can match.
            return CompletableFuture.completedFuture(new ListTransactionsResponse(response));
        }
        Pattern pattern = null;
        String regex = d.transactionalIdPattern();
        if (regex != null && !regex.isEmpty()) {
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                return CompletableFuture.completedFuture(new ListTransactionsResponse(
                        response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code())));
            }
        }
        TransactionFilter filter = new TransactionFilter(states, new HashSet<>(d.producerIdFilters()), d.durationFilter(),
                pattern);
        for (TransactionMetadata txn : coordinator.list(filter)) {
            response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(txn.transactionalId())
                    .setProducerId(txn.producerId())
                    .setTransactionState(txn.state().displayName()));
        }
        return CompletableFuture.completedFuture(new ListTransactionsResponse(response));
    }

    // -------------------------------------------------------------------------------- DescribeProducers

    private CompletableFuture<AbstractResponse> describeProducers(ApiRequest request,
                                                                  Function<TopicPartition, Optional<ProducerStateTable>> states) {
        DescribeProducersRequestData d = request.body(DescribeProducersRequest.class).data();
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest t : d.topics()) {
            DescribeProducersResponseData.TopicResponse rt = new DescribeProducersResponseData.TopicResponse().setName(t.name());
            for (int partition : t.partitionIndexes()) {
                DescribeProducersResponseData.PartitionResponse rp =
                        new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(partition);
                Optional<ProducerStateTable> table = states.apply(new TopicPartition(t.name(), partition));
                if (table.isEmpty()) {
                    rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    for (ProducerState p : table.get().state()) {
                        rp.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                                .setProducerId(p.producerId())
                                .setProducerEpoch(p.epoch())
                                .setLastSequence(p.batches().isEmpty() ? -1 : p.batches().get(p.batches().size() - 1).lastSeq())
                                .setLastTimestamp(p.lastTimestamp())
                                .setCoordinatorEpoch(p.coordinatorEpoch())
                                .setCurrentTxnStartOffset(p.currentTxnFirstOffset()));
                    }
                }
                rt.partitions().add(rp);
            }
            response.topics().add(rt);
        }
        return CompletableFuture.completedFuture(new DescribeProducersResponse(response));
    }
}
