package io.sluice.broker.cluster;

import io.sluice.testkit.LogCapture;
import io.sluice.testkit.TestBroker;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bad nodes written straight into ZooKeeper, and topic deletion as a state: the broker reports each
 * bad node once, keeps serving every other topic, and new topics still get leaders.
 */
class MetadataRobustnessIT {
    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void garbageTopicNodeAndOrphanedPartitionStatesAreReportedOnceAndSkipped() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("good", 2, Map.of());
        CuratorFramework zk = broker.broker().zooKeeper();
        try (LogCapture logs = LogCapture.broker(); Admin admin = broker.admin()) {
            String state = "{\"leader\":0,\"leaderEpoch\":0,\"isr\":[0],\"controllerEpoch\":1}";
            zk.create().forPath("/sluice/topics/garbage", "{not json".getBytes(StandardCharsets.UTF_8));
            zk.create().creatingParentsIfNeeded().forPath("/sluice/topics/ghost/partitions/0/state",
                    state.getBytes(StandardCharsets.UTF_8));
            zk.create().creatingParentsIfNeeded().forPath("/sluice/topics/good/partitions/7/state",
                    state.getBytes(StandardCharsets.UTF_8));
            zk.create().forPath("/sluice/topics/good/partitions/1/state-not", new byte[0]);

            // The empty topic node a deletion left behind and the partition no topic has are removed.
            await().atMost(Duration.ofSeconds(10)).until(() -> zk.checkExists().forPath("/sluice/topics/ghost") == null
                    && zk.checkExists().forPath("/sluice/topics/good/partitions/7") == null);

            // Several more reconciliations run while topics come and go.
            for (int i = 0; i < 3; i++) {
                admin.createTopics(List.of(new NewTopic("after-" + i, 3, (short) 1))).all().get(10, TimeUnit.SECONDS);
                assertLeaders(admin, "after-" + i, 3);
            }
            admin.deleteTopics(List.of("after-0")).all().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> zk.checkExists().forPath("/sluice/topics/after-0") == null);

            roundTrip("good", 1);
            roundTrip("after-2", 2);
            assertThat(admin.listTopics().names().get()).contains("good", "after-1", "after-2")
                    .doesNotContain("garbage", "ghost", "after-0");

            assertThat(logs.warnings("/sluice/topics/garbage")).hasSize(1);
            assertThat(logs.warnings("/sluice/topics/ghost")).hasSize(1);
            assertThat(logs.warnings("/sluice/topics/good/partitions/7")).hasSize(1);
            assertThat(logs.warnings("reconciliation failed")).isEmpty();
            assertThat(logs.warnings("cannot apply")).isEmpty();
        }
    }

    @Test
    void aDeletedTopicIsNoLongerServedItsLogsGoAndItsNameCanBeUsedAgain() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("doomed", 3, Map.of());
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>("doomed", i % 3, "k", "old-" + i)).get();
            }
        }
        CuratorFramework zk = broker.broker().zooKeeper();
        try (LogCapture logs = LogCapture.broker(); Admin admin = broker.admin()) {
            admin.deleteTopics(List.of("doomed")).all().get(10, TimeUnit.SECONDS);
            // Marked: no longer served by the broker that answered.
            assertThat(admin.listTopics().names().get()).doesNotContain("doomed");
            await().atMost(Duration.ofSeconds(10)).until(() -> zk.checkExists().forPath("/sluice/topics/doomed") == null
                    && zk.checkExists().forPath(ClusterStore.DELETE_TOPICS + "/doomed") == null);
            for (int p = 0; p < 3; p++) {
                assertThat(broker.broker().partitionLog(new TopicPartition("doomed", p))).isEmpty();
                assertThat(Files.exists(broker.dataDir().resolve("doomed-" + p))).isFalse();
            }
            admin.createTopics(List.of(new NewTopic("doomed", 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
            assertLeaders(admin, "doomed", 1);
            assertThat(logs.warnings("NoSuchFile")).isEmpty();
            assertThat(logs.warnings("producer snapshot")).isEmpty();
        }
        roundTrip("doomed", 1);
    }

    @Test
    void lateWritesCannotResurrectADeletedTopic() throws Exception {
        broker = TestBroker.start();
        CuratorFramework zk = broker.broker().zooKeeper();
        PartitionState state = new PartitionState(0, 0, List.of(0), 1);
        try (ClusterStore store = new ClusterStore(zk.getZookeeperClient().getCurrentConnectionString(), 6000);
             Admin admin = broker.admin()) {
            store.start();
            assertThat(store.writePartitionState("never-created", 0, state, -1, -1, null)).isEqualTo(-1);
            assertThat(zk.checkExists().forPath("/sluice/topics/never-created")).isNull();

            broker.createTopic("short-lived", 2, Map.of());
            await().atMost(Duration.ofSeconds(5)).until(() -> store.readPartitionState("short-lived", 0).isPresent());
            int version = store.readPartitionState("short-lived", 0).orElseThrow().zkVersion();
            TopicInfo before = store.readTopic("short-lived").orElseThrow();
            // A write computed from an older copy of the topic is refused, not applied over a newer one.
            int topicVersion = store.readTopicVersioned("short-lived").orElseThrow().zkVersion();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.updateTopic(before, topicVersion + 1))
                    .isInstanceOf(ClusterStore.ConcurrentTopicUpdateException.class);
            admin.deleteTopics(List.of("short-lived")).all().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> zk.checkExists().forPath("/sluice/topics/short-lived") == null);

            // An ISR change, a first election, a reassignment and a partition increase that all come too late.
            assertThat(store.writePartitionState("short-lived", 0, state, version, -1, null)).isEqualTo(-1);
            assertThat(store.writePartitionState("short-lived", 1, state, -1, -1, null)).isEqualTo(-1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Reassignments.write(store,
                            new TopicPartition("short-lived", 0), List.of(0), List.of(0)))
                    .isInstanceOf(org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.updateTopic(before, 0))
                    .isInstanceOf(org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class);
            assertThat(zk.checkExists().forPath("/sluice/topics/short-lived")).isNull();
            assertThat(zk.getChildren().forPath("/sluice/topics")).doesNotContain("short-lived", "never-created");
        }
    }

    @Test
    void aPartitionDirectoryOfAnEarlierTopicOfTheSameNameIsNotTakenForTheNewOne() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("reborn", 1, Map.of());
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>("reborn", 0, "k", "kept")).get(10, TimeUnit.SECONDS);
        }
        broker.restart();
        // A matching partition.metadata keeps the log.
        assertThat(broker.broker().partitionLog(new TopicPartition("reborn", 0)).orElseThrow().logEndOffset()).isEqualTo(1);
        assertThat(Files.readString(broker.dataDir().resolve("reborn-0/partition.metadata"))).startsWith("version: 0\ntopic_id: ");

        // As if the broker had been down while "reborn" was deleted and created again: its directory names
        // another topic id. It must be removed, not served as the new topic's log.
        broker.close();
        Files.writeString(broker.dataDir().resolve("reborn-0/partition.metadata"),
                "version: 0\ntopic_id: " + org.apache.kafka.common.Uuid.randomUuid() + "\n");
        broker = TestBroker.start(broker.dataDir(), Map.of());
        assertThat(broker.broker().partitionLog(new TopicPartition("reborn", 0)).orElseThrow().logEndOffset()).isZero();
        roundTrip("reborn", 3);
    }

    @Test
    void aTopicWhoseNodeCannotBeReadAtStartUpKeepsItsLogs() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("precious", 1, Map.of());
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>("precious", 0, "k", "kept")).get(10, TimeUnit.SECONDS);
        }
        CuratorFramework zk = broker.broker().zooKeeper();
        byte[] node = zk.getData().forPath("/sluice/topics/precious");
        zk.setData().forPath("/sluice/topics/precious", "{not json".getBytes(StandardCharsets.UTF_8));
        broker.restart();
        assertThat(Files.exists(broker.dataDir().resolve("precious-0"))).isTrue();

        // Once the node is repaired the topic is served again, with its data.
        broker.broker().zooKeeper().setData().forPath("/sluice/topics/precious", node);
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker().partitionLog(new TopicPartition("precious", 0))
                .map(l -> l.logEndOffset() == 1).orElse(false));
    }

    @Test
    void aTopicNodeRemovedWithoutADeletionMarkStopsTheReplicasThenRemovesTheLogs() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("vanishing", 1, Map.of());
        TopicPartition tp = new TopicPartition("vanishing", 0);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>("vanishing", 0, "k", "v")).get(10, TimeUnit.SECONDS);
        }
        java.util.Set<TopicPartition> lost = java.util.concurrent.ConcurrentHashMap.newKeySet();
        broker.broker().replicaManager().addLeadershipListener((p, leader) -> {
            if (!leader) {
                lost.add(p);
            }
        });
        broker.broker().zooKeeper().delete().deletingChildrenIfNeeded().forPath("/sluice/topics/vanishing");
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker().partitionLog(tp).isEmpty()
                && !Files.exists(broker.dataDir().resolve("vanishing-0")));
        // Stopped as a replica (leadership given up, coordinators and waiters told), not just forgotten.
        await().atMost(Duration.ofSeconds(5)).until(() -> lost.contains(tp));
        assertThat(broker.broker().replicaManager().leaderEpoch(tp)).isEmpty();
    }

    @Test
    void aTopicReCreatedWhileThisBrokerMissedTheDeletionGetsFreshReplicasAndLogs() throws Exception {
        broker = TestBroker.start();
        broker.createTopic("again", 1, Map.of());
        TopicPartition tp = new TopicPartition("again", 0);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("again", 0, "k", "old-" + i)).get(10, TimeUnit.SECONDS);
            }
        }
        CuratorFramework zk = broker.broker().zooKeeper();
        String topicPath = "/sluice/topics/again";
        String node = new String(zk.getData().forPath(topicPath), StandardCharsets.UTF_8);
        String reborn = node.replaceFirst("\"id\"\\s*:\\s*\"[^\"]+\"",
                "\"id\":\"" + org.apache.kafka.common.Uuid.randomUuid() + "\"");
        assertThat(reborn).isNotEqualTo(node);
        // The deletion and the new topic's creation, seen by this broker as one change of the topic node.
        zk.transaction().forOperations(zk.transactionOp().delete().forPath(topicPath + "/partitions/0/state"),
                zk.transactionOp().setData().forPath(topicPath, reborn.getBytes(StandardCharsets.UTF_8)));
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker().replicaManager().leaderEpoch(tp).isPresent()
                && broker.broker().partitionLog(tp).map(l -> l.logEndOffset() == 0).orElse(false));
        roundTrip("again", 4);
    }

    /** Writes one record and reads the topic from the beginning: exactly that record comes back. */
    private void roundTrip(String topic, int tag) throws Exception {
        String value = "fresh-" + tag;
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, 0, "k", value)).get(10, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer("rt-" + topic + "-" + tag, Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(r.value());
                }
                return seen.contains(value);
            });
            assertThat(seen).allMatch(v -> v.startsWith("fresh-"));
        }
    }

    static void assertLeaders(Admin admin, String topic, int partitions) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertThat(d.partitions()).hasSize(partitions).allSatisfy(p -> assertThat(p.leader()).isNotNull());
            assertThat(d.partitions()).allSatisfy(p -> assertThat(p.leader().id()).isGreaterThanOrEqualTo(0));
        });
    }
}
