package io.sluice.broker.replication;

import io.sluice.broker.log.PartitionLog;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A follower that was down while the leader's log start moved past its log end (DeleteRecords here;
 * retention does the same) cannot fetch from where it stopped: it starts over at the leader's log
 * start and rejoins the ISR. Followers that kept up move their log start with the leader's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FollowerBehindLogStartIT {
    private static final String TOPIC = "behind";
    private final TopicPartition tp = new TopicPartition(TOPIC, 0);
    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aFollowerBehindTheLeadersLogStartStartsOverThereAndRejoins() throws Exception {
        cluster = TestCluster.start(3, Map.of("replica.lag.time.max.ms", "2000"));
        cluster.createTopic(TOPIC, 1, (short) 3, Map.of());
        awaitIsr(3);
        TopicPartitionInfo info = describe();
        int leader = info.leader().id();
        List<Integer> followers = info.replicas().stream().map(Node::id).filter(id -> id != leader).toList();
        int behind = followers.get(0);
        int keptUp = followers.get(1);

        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            send(producer, 0, 20);
            cluster.kill(behind);
            send(producer, 20, 100);
        }
        try (Admin admin = cluster.admin()) {
            // Succeeds once the dead follower left the ISR and the high watermark reached 90.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(90))).all().get());
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(log(keptUp).logStartOffset()).isEqualTo(90));

        cluster.restart(behind);
        awaitIsr(3);
        PartitionLog restarted = log(behind);
        assertThat(restarted.logStartOffset()).isEqualTo(90);
        assertThat(restarted.logEndOffset()).isEqualTo(100);
        assertThat(values(restarted)).isEqualTo(values(log(leader))).hasSize(10).startsWith("v90");
    }

    private static void send(KafkaProducer<String, String> producer, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "v" + i)).get();
        }
    }

    private PartitionLog log(int broker) {
        return cluster.broker(broker).partitionLog(tp).orElseThrow();
    }

    /** The values of the records from the log start on. */
    private static List<String> values(PartitionLog log) {
        List<String> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            long before = next;
            for (RecordBatch batch : log.read(next, 1 << 20, true).records().batches()) {
                for (Record r : batch) {
                    if (r.offset() >= next) {
                        out.add(Utils.utf8(r.value()));
                    }
                }
                next = batch.nextOffset();
            }
            if (next == before) {
                break;
            }
        }
        return out;
    }

    private TopicPartitionInfo describe() throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            return d.partitions().get(0);
        }
    }

    private void awaitIsr(int size) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> assertThat(describe().isr()).hasSize(size));
    }
}
