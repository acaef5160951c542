package io.sluice.broker.replication;

import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sluice.broker.replication.MirrorTopicSupport.awaitCaughtUp;
import static io.sluice.broker.replication.MirrorTopicSupport.createMirror;
import static io.sluice.broker.replication.MirrorTopicSupport.dump;
import static io.sluice.broker.replication.MirrorTopicSupport.endOffsets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A mirror topic keeps the source's offsets across a leader failover on the source (a 3-broker A: the
 * mirror finds the new leader through Metadata) and one on the target (a 2-broker B: the new leader
 * follows on from its own log end), while records keep coming.
 */
class MirrorTopicFailoverIT {
    private static final String TOPIC = "events";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private TestCluster a;
    private TestCluster b;

    @AfterEach
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void followsSourceAndTargetLeaderFailovers() throws Exception {
        a = TestCluster.start(3, Map.of());
        b = TestCluster.start(2, Map.of());
        a.createTopic(TOPIC, 1, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        createMirror(b, TOPIC, 1, (short) 2, a, Map.of());

        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicInteger acked = new AtomicInteger();
        Thread producer = new Thread(() -> {
            try (KafkaProducer<String, String> p = a.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000))) {
                for (int i = 0; producing.get(); i++) {
                    p.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i), (m, e) -> {
                        if (e == null) {
                            acked.incrementAndGet();
                        }
                    });
                    if (i % 50 == 0) {
                        Thread.sleep(5);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "source-producer");
        producer.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> endOffsets(b, TOPIC, 1).get(0) > 2_000);

            int sourceLeader = leader(a);
            a.kill(sourceLeader);
            int before = acked.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() > before + 2_000);
            long mirroredBefore = endOffsets(b, TOPIC, 1).get(0);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> endOffsets(b, TOPIC, 1).get(0) > mirroredBefore + 1_000);

            int targetLeader = leader(b);
            b.kill(targetLeader);
            int before2 = acked.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() > before2 + 2_000);
        } finally {
            producing.set(false);
            producer.join(60_000);
        }
        awaitCaughtUp(a, b, TOPIC, 1, Duration.ofSeconds(60));
        List<String> onA = dump(a, TOPIC, 1, "read_uncommitted");
        assertThat(onA.size()).isGreaterThanOrEqualTo(acked.get());
        assertThat(dump(b, TOPIC, 1, "read_uncommitted")).containsExactlyElementsOf(onA);
        int newTargetLeader = leader(b);
        assertThat(b.broker(newTargetLeader).replicaManager().mirrorStates()).containsEntry(TP, "FOLLOWING");
    }

    private static int leader(TestCluster cluster) throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().get(0)
                    .leader().id();
        }
    }
}
