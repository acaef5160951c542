package io.sluice.broker.txn;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestBroker;
import io.sluice.transactions.coordinator.TransactionLogRecords;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coordinator-epoch fencing of transaction markers on a real broker: the coordinator's markers carry
 * the leader epoch of the id's {@code __transaction_state} partition, the data partition remembers it
 * per producer (DescribeProducers shows it, a restart keeps it), and a WriteTxnMarkers from an older
 * coordinator epoch is refused.
 */
class MarkerFencingIT {
    private static final String ID = "t-fencing";
    private static final TopicPartition TP = new TopicPartition("fenced", 0);
    private static final short WRITE_TXN_MARKERS_VERSION = 1;

    private TestBroker broker;
    private int correlationId;

    @BeforeEach
    void start() {
        broker = TestBroker.start(Map.of(BrokerConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS, "3"));
        broker.createTopic(TP.topic(), 1, Map.of());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    /** Commits one transaction to {@link #TP}; returns its producer id and epoch as DescribeProducers sees them. */
    private ProducerState commitOne() throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ID))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TP.topic(), 0, "k", "v"));
            producer.commitTransaction();
        }
        return producerState();
    }

    private ProducerState producerState() throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.describeProducers(List.of(TP)).partitionResult(TP).get().activeProducers().get(0);
        }
    }

    private int coordinatorEpoch() {
        TopicPartition stateTp = new TopicPartition(Topic.TRANSACTION_STATE_TOPIC_NAME,
                TransactionLogRecords.partitionFor(ID, 3));
        return broker.broker().replicaManager().leaderEpoch(stateTp).orElseThrow();
    }

    /** A WriteTxnMarkers commit for {@link #TP}, as a coordinator at {@code coordinatorEpoch} would send it. */
    private Errors writeMarker(ProducerState producer, int coordinatorEpoch) throws Exception {
        WriteTxnMarkersRequest request = new WriteTxnMarkersRequest.Builder(List.of(
                new WriteTxnMarkersRequest.TxnMarkerEntry(producer.producerId(), (short) producer.producerEpoch(),
                        coordinatorEpoch, TransactionResult.COMMIT, List.of(TP), (short) 0)))
                .build(WRITE_TXN_MARKERS_VERSION);
        try (RawConnection raw = RawConnection.to(broker)) {
            WriteTxnMarkersResponse response = (WriteTxnMarkersResponse) raw.send(new RequestHeader(
                    ApiKeys.WRITE_TXN_MARKERS, WRITE_TXN_MARKERS_VERSION, "stale-coordinator", ++correlationId), request);
            return response.errorsByProducerId().get(producer.producerId()).get(TP);
        }
    }

    @Test
    void describeProducersShowsTheCoordinatorEpochOfTheLastMarker() throws Exception {
        ProducerState producer = commitOne();

        assertThat(producer.coordinatorEpoch()).hasValue(coordinatorEpoch());
    }

    @Test
    void aMarkerFromAnOlderCoordinatorEpochIsRefused() throws Exception {
        ProducerState producer = commitOne();
        int current = producer.coordinatorEpoch().orElseThrow();
        int markers = TransactionsIT.markers(TP, broker).size();

        assertThat(writeMarker(producer, current - 1)).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);
        assertThat(TransactionsIT.markers(TP, broker)).hasSize(markers);

        // A newer coordinator's marker is taken, and from then on the old coordinator is fenced too.
        assertThat(writeMarker(producer, current + 1)).isEqualTo(Errors.NONE);
        assertThat(writeMarker(producer, current)).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);
        assertThat(TransactionsIT.markers(TP, broker)).hasSize(markers + 1);
        assertThat(producerState().coordinatorEpoch()).hasValue(current + 1);
    }

    @Test
    void theCoordinatorEpochSurvivesARestart() throws Exception {
        ProducerState producer = commitOne();
        int newer = producer.coordinatorEpoch().orElseThrow() + 3;
        assertThat(writeMarker(producer, newer)).isEqualTo(Errors.NONE);

        broker.restart();

        assertThat(producerState().coordinatorEpoch()).hasValue(newer);
        assertThat(writeMarker(producer, newer - 1)).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);
    }
}
