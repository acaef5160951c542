package io.sluice.broker.replication;

import io.sluice.broker.log.PartitionLog;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Three in-process brokers on one embedded ZooKeeper: replication, acks=all, failover, min ISR. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplicationIT {
    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static TopicPartitionInfo describe(TestCluster cluster, String topic, int partition) throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return d.partitions().get(partition);
        }
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).sorted().toList();
    }

    private void awaitIsr(String topic, int partition, int size) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            TopicPartitionInfo info = describe(cluster, topic, partition);
            assertThat(info.leader()).isNotNull();
            assertThat(info.isr()).hasSize(size);
        });
    }

    /** Every live replica's log end and high watermark are the same and their .log files are byte-identical. */
    private void assertIdenticalReplicas(TopicPartition tp, List<Integer> brokerIds) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Set<Long> ends = new HashSet<>();
            Set<Long> hws = new HashSet<>();
            for (int id : brokerIds) {
                PartitionLog log = cluster.broker(id).partitionLog(tp).orElseThrow();
                ends.add(log.logEndOffset());
                hws.add(log.highWatermark());
            }
            assertThat(ends).hasSize(1);
            assertThat(hws).isEqualTo(ends);
        });
        byte[] first = null;
        for (int id : brokerIds) {
            byte[] bytes = segmentBytes(cluster.logDir(id).resolve(tp.topic() + "-" + tp.partition()));
            if (first == null) {
                first = bytes;
            } else {
                assertThat(bytes).as("log of broker %d", id).isEqualTo(first);
            }
        }
        assertThat(first).isNotEmpty();
    }

    private static byte[] segmentBytes(Path dir) {
        try (var files = Files.list(dir)) {
            List<Path> logs = files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (Path p : logs) {
                out.write(Files.readAllBytes(p));
            }
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> consumeAll(TestCluster cluster, TopicPartition tp, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            // Anything beyond the expected count would show up in one more short poll.
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }

    @Test
    void rf3TopicReplicatesIdenticalBytesAndAcksAllWaitsForTheIsr() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        String topic = "rf3";
        cluster.createTopic(topic, 2, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        for (int p = 0; p < 2; p++) {
            awaitIsr(topic, p, 3);
            TopicPartitionInfo info = describe(cluster, topic, p);
            assertThat(ids(info.replicas())).containsExactly(0, 1, 2);
            assertThat(ids(info.isr())).containsExactly(0, 1, 2);
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "2"))) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                acks.add(producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i)));
            }
            long last = -1;
            for (var f : acks) {
                last = f.get(30, TimeUnit.SECONDS).offset();
            }
            assertThat(last).isEqualTo(1999);
            // acks=all answered only once every ISR member had the record: the leader's HW covers it.
            int leader = describe(cluster, topic, 0).leader().id();
            assertThat(cluster.broker(leader).partitionLog(tp).orElseThrow().highWatermark()).isEqualTo(2000);
        }
        assertIdenticalReplicas(tp, List.of(0, 1, 2));
        List<String> values = consumeAll(cluster, tp, 2000);
        assertThat(values).hasSize(2000);
        assertThat(values.get(0)).isEqualTo("v0");
        assertThat(values.get(1999)).isEqualTo("v1999");
    }

    @Test
    void followersAnswerNotLeaderAndStaleEpochsAreFenced() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        String topic = "fenced";
        cluster.createTopic(topic, 1, (short) 3, Map.of());
        awaitIsr(topic, 0, 3);
        TopicPartitionInfo before = describe(cluster, topic, 0);
        int leader = before.leader().id();
        int follower = before.replicas().stream().map(Node::id).filter(id -> id != leader).findFirst().orElseThrow();
        // Produce straight to a follower: NOT_LEADER_OR_FOLLOWER.
        try (var raw = new io.sluice.testkit.RawConnection("127.0.0.1", cluster.broker(follower).port())) {
            var response = raw.send(new org.apache.kafka.common.requests.RequestHeader(
                    org.apache.kafka.common.protocol.ApiKeys.PRODUCE, (short) 9, "test", 1),
                    new org.apache.kafka.common.requests.ProduceRequest.Builder((short) 9, (short) 9,
                    new org.apache.kafka.common.message.ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000)
                            .setTopicData(new org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection(
                                    List.of(new org.apache.kafka.common.message.ProduceRequestData.TopicProduceData()
                                            .setName(topic).setPartitionData(List.of(
                                                    new org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData()
                                                            .setIndex(0).setRecords(
                                                                    org.apache.kafka.common.record.internal.MemoryRecords.withRecords(
                                                                            org.apache.kafka.common.compress.Compression.NONE,
                                                                            new org.apache.kafka.common.record.internal.SimpleRecord("x".getBytes())))))).iterator())))
                    .build((short) 9));
            var produce = (org.apache.kafka.common.requests.ProduceResponse) response;
            assertThat(produce.data().responses().iterator().next().partitionResponses().get(0).errorCode())
                    .isEqualTo(org.apache.kafka.common.protocol.Errors.NOT_LEADER_OR_FOLLOWER.code());
        }
        // Kill the leader: a new leader with a higher epoch, and the old epoch is fenced there.
        cluster.kill(leader);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            TopicPartitionInfo info = describe(cluster, topic, 0);
            assertThat(info.leader()).isNotNull();
            assertThat(info.leader().id()).isNotEqualTo(leader);
            assertThat(ids(info.isr())).doesNotContain(leader);
        });
        int newLeader = describe(cluster, topic, 0).leader().id();
        try (var raw = new io.sluice.testkit.RawConnection("127.0.0.1", cluster.broker(newLeader).port())) {
            var request = new org.apache.kafka.common.message.ListOffsetsRequestData().setReplicaId(-1)
                    .setTopics(List.of(new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic()
                            .setName(topic).setPartitions(List.of(
                                    new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition()
                                            .setPartitionIndex(0).setCurrentLeaderEpoch(0).setTimestamp(-1)))));
            var response = (org.apache.kafka.common.requests.ListOffsetsResponse) raw.send(
                    new org.apache.kafka.common.requests.RequestHeader(
                            org.apache.kafka.common.protocol.ApiKeys.LIST_OFFSETS, (short) 7, "test", 2),
                    org.apache.kafka.common.requests.ListOffsetsRequest.Builder.forConsumer(false,
                            org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED)
                            .setTargetTimes(request.topics()).build((short) 7));
            assertThat(response.data().topics().get(0).partitions().get(0).errorCode())
                    .isEqualTo(org.apache.kafka.common.protocol.Errors.FENCED_LEADER_EPOCH.code());
        }
    }

    @Test
    void belowMinIsrAcksAllIsRefusedAndAcksOneStillWorks() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        String topic = "min-isr";
        cluster.createTopic(topic, 1, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        awaitIsr(topic, 0, 3);
        TopicPartition tp = new TopicPartition(topic, 0);
        int survivor = describe(cluster, topic, 0).leader().id();
        for (int id = 0; id < 3; id++) {
            if (id != survivor) {
                cluster.kill(id);
            }
        }
        awaitIsr(topic, 0, 1);
        PartitionLog log = cluster.broker(survivor).partitionLog(tp).orElseThrow();
        long endBefore = log.logEndOffset();
        Map<String, Object> noRetries = Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<String, String> producer = cluster.producer(noRetries)) {
            for (int i = 0; i < 5; i++) {
                try {
                    producer.send(new ProducerRecord<>(topic, 0, "k", "all-" + i)).get(20, TimeUnit.SECONDS);
                    throw new AssertionError("acks=all was acknowledged with an ISR of 1");
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(NotEnoughReplicasException.class);
                }
            }
        }
        assertThat(log.logEndOffset()).as("nothing appended for refused acks=all").isEqualTo(endBefore);
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
            long offset = producer.send(new ProducerRecord<>(topic, 0, "k", "one")).get(20, TimeUnit.SECONDS).offset();
            assertThat(offset).isEqualTo(endBefore);
        }
        assertThat(consumeAll(cluster, tp, 1)).containsExactly("one");
    }

    @Test
    void killingTheLeaderUnderAcksAllLoadLosesNothingAndItRejoins() throws Exception {
        cluster = TestCluster.start(3, Map.of("replica.lag.time.max.ms", "5000"));
        String topic = "failover";
        cluster.createTopic(topic, 1, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        awaitIsr(topic, 0, 3);
        TopicPartition tp = new TopicPartition(topic, 0);
        int leader = describe(cluster, topic, 0).leader().id();
        int total = 6000;
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicInteger failed = new AtomicInteger();
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000))) {
            for (int i = 0; i < total; i++) {
                String value = "v" + i;
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, value), (md, e) -> {
                    if (e == null) {
                        acked.add(value);
                    } else {
                        failed.incrementAndGet();
                    }
                });
                if (i == total / 3) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() > total / 6);
                    cluster.kill(leader);
                }
                if (i % 100 == 0) {
                    Thread.sleep(5);
                }
            }
            producer.flush();
        }
        assertThat(acked.size() + failed.get()).isEqualTo(total);
        assertThat(acked.size()).as("acknowledged after the failover").isGreaterThan(total / 2);
        TopicPartitionInfo after = describe(cluster, topic, 0);
        assertThat(after.leader().id()).isNotEqualTo(leader);

        List<String> consumed = consumeAll(cluster, tp, acked.size());
        assertThat(new HashSet<>(consumed)).as("every acknowledged record").containsAll(acked);
        assertThat(consumed).as("no duplicates").doesNotHaveDuplicates();

        cluster.restart(leader);
        awaitIsr(topic, 0, 3);
        assertIdenticalReplicas(tp, List.of(0, 1, 2));
    }

    @Test
    void aReturningLeaderTruncatesItsUnreplicatedRecordsToTheNewLeadersLog() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        String topic = "divergent";
        cluster.createTopic(topic, 1, (short) 3, Map.of(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "true"));
        awaitIsr(topic, 0, 3);
        TopicPartition tp = new TopicPartition(topic, 0);
        int oldLeader = describe(cluster, topic, 0).leader().id();
        List<Integer> followers = new ArrayList<>(List.of(0, 1, 2));
        followers.remove(Integer.valueOf(oldLeader));
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "replicated-" + i));
            }
            producer.flush();
        }
        assertIdenticalReplicas(tp, List.of(0, 1, 2));
        // The followers go; the leader takes records nobody else has.
        followers.forEach(cluster::kill);
        awaitIsr(topic, 0, 1);
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "unreplicated-" + i));
            }
            producer.flush();
        }
        assertThat(cluster.broker(oldLeader).partitionLog(tp).orElseThrow().logEndOffset()).isEqualTo(150);
        // The leader goes too; the followers return and one is elected (uncleanly) and takes new writes.
        cluster.kill(oldLeader);
        followers.forEach(cluster::restart);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            TopicPartitionInfo info = describe(cluster, topic, 0);
            assertThat(info.leader()).isNotNull();
            assertThat(info.leader().id()).isIn(followers);
        });
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "new-leader-" + i));
            }
            producer.flush();
        }
        // The old leader returns: it must drop offsets 100..149 and take the new leader's 100..129.
        cluster.restart(oldLeader);
        awaitIsr(topic, 0, 3);
        assertIdenticalReplicas(tp, List.of(0, 1, 2));
        PartitionLog returned = cluster.broker(oldLeader).partitionLog(tp).orElseThrow();
        assertThat(returned.logEndOffset()).isEqualTo(130);
        assertThat(returned.leaderEpochs()).hasSizeGreaterThan(1);
        assertThat(Files.exists(cluster.logDir(oldLeader).resolve(topic + "-0").resolve("leader-epoch-checkpoint")))
                .isTrue();
        List<String> values = consumeAll(cluster, tp, 130);
        assertThat(values).hasSize(130);
        assertThat(values).noneMatch(v -> v.startsWith("unreplicated-"));
        assertThat(values.get(129)).isEqualTo("new-leader-29");
    }

    @Test
    void controlledShutdownMovesLeadershipBeforeTheBrokerStops() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        String topic = "controlled";
        cluster.createTopic(topic, 3, (short) 3, Map.of());
        for (int p = 0; p < 3; p++) {
            awaitIsr(topic, p, 3);
        }
        int victim = describe(cluster, topic, 0).leader().id();
        cluster.stop(victim);
        // No waiting: by the time stop() returned, another ISR member led every partition.
        for (int p = 0; p < 3; p++) {
            TopicPartitionInfo info = describe(cluster, topic, p);
            assertThat(info.leader()).isNotNull();
            assertThat(info.leader().id()).isNotEqualTo(victim);
        }
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            producer.send(new ProducerRecord<>(topic, 0, "k", "after")).get(20, TimeUnit.SECONDS);
        }
        cluster.restart(victim);
        awaitIsr(topic, 0, 3);
    }

    @Test
    void aLeaderWhoseZooKeeperSessionExpiresIsFencedAndRejoins() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        String topic = "expiry";
        cluster.createTopic(topic, 1, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        awaitIsr(topic, 0, 3);
        TopicPartition tp = new TopicPartition(topic, 0);
        int leader = describe(cluster, topic, 0).leader().id();
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "before-" + i));
            }
            producer.flush();
        }
        cluster.broker(leader).zooKeeper().getZookeeperClient().getZooKeeper().getTestable()
                .injectSessionExpiration();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            TopicPartitionInfo info = describe(cluster, topic, 0);
            assertThat(info.leader()).isNotNull();
            assertThat(info.leader().id()).isNotEqualTo(leader);
        });
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "after-" + i));
            }
            producer.flush();
        }
        // The expired broker registered again with a new session and came back as a follower.
        awaitIsr(topic, 0, 3);
        assertThat(cluster.broker(leader).partitionLog(tp).orElseThrow()).isNotNull();
        assertIdenticalReplicas(tp, List.of(0, 1, 2));
        List<String> values = consumeAll(cluster, tp, 200);
        assertThat(values).hasSize(200).doesNotHaveDuplicates();
    }

    @Test
    void committedOffsetsSurviveTheLossOfTheGroupCoordinator() throws Exception {
        cluster = TestCluster.start(3, Map.of("offsets.topic.replication.factor", "3"));
        String topic = "grouped";
        cluster.createTopic(topic, 1, (short) 3, Map.of());
        awaitIsr(topic, 0, 3);
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 300; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "v" + i));
            }
            producer.flush();
        }
        Map<String, Object> group = Map.of(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, "g1",
                org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        int consumedFirst = 0;
        try (KafkaConsumer<String, String> consumer = cluster.consumer(group)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumedFirst < 150 && System.currentTimeMillis() < deadline) {
                consumedFirst += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync();
        }
        assertThat(consumedFirst).isGreaterThanOrEqualTo(150);
        int coordinator;
        try (Admin admin = cluster.admin()) {
            coordinator = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1").coordinator().id();
            TopicDescription offsets = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get()
                    .get("__consumer_offsets");
            assertThat(offsets.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
        }
        // The commit reaches the followers of the offsets partition before the coordinator goes.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (int p = 0; p < 3; p++) {
                TopicPartition otp = new TopicPartition("__consumer_offsets", p);
                Set<Long> ends = new HashSet<>();
                for (int id = 0; id < 3; id++) {
                    ends.add(cluster.broker(id).partitionLog(otp).orElseThrow().logEndOffset());
                }
                assertThat(ends).hasSize(1);
            }
        });
        cluster.kill(coordinator);
        List<String> rest = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = cluster.consumer(group)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (consumedFirst + rest.size() < 300 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> rest.add(r.value()));
            }
        }
        assertThat(rest).as("resumed from the committed offset").hasSize(300 - consumedFirst);
        assertThat(rest.get(0)).isEqualTo("v" + consumedFirst);
    }

    @Test
    void aStalledFollowerLeavesTheIsrSoAcksAllCompletesAndRejoinsWhenCaughtUp() throws Exception {
        cluster = TestCluster.start(3, Map.of("replica.lag.time.max.ms", "1500"));
        String topic = "lagging";
        cluster.createTopic(topic, 1, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        awaitIsr(topic, 0, 3);
        TopicPartition tp = new TopicPartition(topic, 0);
        int leader = describe(cluster, topic, 0).leader().id();
        int stalled = (leader + 1) % 3;
        cluster.broker(stalled).replicaManager().pauseFetching(true);
        Thread.sleep(1_000); // a fetch already parked at the leader (replica.fetch.wait.max.ms 500) ends first
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000))) {
            // Waits until the leader drops the stalled follower from the ISR, then completes.
            producer.send(new ProducerRecord<>(topic, 0, "k", "while-stalled")).get(25, TimeUnit.SECONDS);
        }
        // Acknowledged although the stalled follower has nothing: only possible once it left the ISR.
        TopicPartitionInfo shrunk = describe(cluster, topic, 0);
        assertThat(ids(shrunk.isr())).hasSize(2).doesNotContain(stalled);
        assertThat(cluster.broker(stalled).partitionLog(tp).orElseThrow().logEndOffset()).isZero();
        cluster.broker(stalled).replicaManager().pauseFetching(false);
        awaitIsr(topic, 0, 3);
        assertIdenticalReplicas(tp, List.of(0, 1, 2));
    }

    @Test
    void rollingRestartUnderLoadLosesAndDuplicatesNothing() throws Exception {
        cluster = TestCluster.start(3, Map.of("offsets.topic.replication.factor", "3"));
        String topic = "rolling";
        cluster.createTopic(topic, 3, (short) 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        for (int p = 0; p < 3; p++) {
            awaitIsr(topic, p, 3);
        }
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> consumed = ConcurrentHashMap.newKeySet();
        AtomicInteger failed = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        String bootstrap = cluster.bootstrap();
        Thread producerThread = new Thread(() -> {
            try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 2,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                    ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50))) {
                for (int i = 0; !stop.get(); i++) {
                    String value = "v" + i;
                    producer.send(new ProducerRecord<>(topic, "k" + i, value), (md, e) -> {
                        if (e == null) {
                            acked.add(value);
                        } else {
                            failed.incrementAndGet();
                        }
                    });
                    if (i % 50 == 0) {
                        Thread.sleep(10);
                    }
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "rolling-producer");
        Thread consumerThread = new Thread(() -> {
            try (KafkaConsumer<String, String> consumer = cluster.consumer(Map.of(
                    org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, "rolling-group",
                    org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true))) {
                consumer.subscribe(List.of(topic));
                while (!stop.get() || !consumed.containsAll(acked)) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> consumed.add(r.value()));
                    if (stop.get() && Thread.currentThread().isInterrupted()) {
                        return;
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // test over
            }
        }, "rolling-consumer");
        producerThread.start();
        consumerThread.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() > 500);
        for (int id = 0; id < 3; id++) {
            cluster.stop(id);
            Thread.sleep(500);
            cluster.restart(id);
            for (int p = 0; p < 3; p++) {
                awaitIsr(topic, p, 3);
            }
        }
        int ackedBeforeStop = acked.size();
        stop.set(true);
        producerThread.join(90_000);
        assertThat(acked.size()).isGreaterThanOrEqualTo(ackedBeforeStop);
        assertThat(failed.get()).as("sends that failed").isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> consumed.containsAll(acked));
        consumerThread.interrupt();
        consumerThread.join(10_000);
        // The logs hold every acknowledged record exactly once.
        List<String> all = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            int leader = describe(cluster, topic, p).leader().id();
            long end = cluster.broker(leader).partitionLog(tp).orElseThrow().highWatermark();
            all.addAll(consumeAll(cluster, tp, (int) end));
            assertIdenticalReplicas(tp, List.of(0, 1, 2));
        }
        assertThat(all).doesNotHaveDuplicates();
        assertThat(new HashSet<>(all)).containsAll(acked);
        assertThat(bootstrap).isNotEmpty();
    }

    @Test
    void preferredLeadersComeBackOnElectLeadersAndAutomatically() throws Exception {
        cluster = TestCluster.start(3, Map.of("auto.leader.rebalance.enable", "false"));
        String topic = "preferred";
        cluster.createTopic(topic, 1, (short) 3, Map.of());
        awaitIsr(topic, 0, 3);
        TopicPartitionInfo initial = describe(cluster, topic, 0);
        int preferred = initial.replicas().get(0).id();
        assertThat(initial.leader().id()).isEqualTo(preferred);
        cluster.stop(preferred);
        cluster.restart(preferred);
        awaitIsr(topic, 0, 3);
        assertThat(describe(cluster, topic, 0).leader().id()).isNotEqualTo(preferred);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = cluster.admin()) {
            var result = admin.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, Set.of(tp))
                    .partitions().get(20, TimeUnit.SECONDS);
            assertThat(result.get(tp)).isEmpty();
            assertThat(describe(cluster, topic, 0).leader().id()).isEqualTo(preferred);
            var again = admin.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, Set.of(tp))
                    .partitions().get(20, TimeUnit.SECONDS);
            assertThat(again.get(tp)).containsInstanceOf(
                    org.apache.kafka.common.errors.ElectionNotNeededException.class);
        }
    }

    @Test
    void theControllerRebalancesLeadershipOnItsOwnWhenEnabled() throws Exception {
        cluster = TestCluster.start(3, Map.of("auto.leader.rebalance.enable", "true",
                "leader.imbalance.check.interval.seconds", "1"));
        String topic = "auto-preferred";
        cluster.createTopic(topic, 1, (short) 3, Map.of());
        awaitIsr(topic, 0, 3);
        int preferred = describe(cluster, topic, 0).replicas().get(0).id();
        cluster.stop(preferred);
        assertThat(describe(cluster, topic, 0).leader().id()).isNotEqualTo(preferred);
        cluster.restart(preferred);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(describe(cluster, topic, 0).leader().id()).isEqualTo(preferred));
    }

    @Test
    void addedPartitionsAreReplicatedAcrossTheCluster() throws Exception {
        cluster = TestCluster.start(3, Map.of());
        String topic = "growing";
        cluster.createTopic(topic, 1, (short) 3, Map.of());
        awaitIsr(topic, 0, 3);
        try (Admin admin = cluster.admin()) {
            admin.createPartitions(Map.of(topic, org.apache.kafka.clients.admin.NewPartitions.increaseTo(4))).all()
                    .get(20, TimeUnit.SECONDS);
        }
        Set<Integer> leaders = new HashSet<>();
        for (int p = 0; p < 4; p++) {
            awaitIsr(topic, p, 3);
            leaders.add(describe(cluster, topic, p).leader().id());
        }
        assertThat(leaders).hasSizeGreaterThan(1);
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int p = 0; p < 4; p++) {
                producer.send(new ProducerRecord<>(topic, p, "k", "p" + p)).get(20, TimeUnit.SECONDS);
            }
        }
        for (int p = 0; p < 4; p++) {
            assertIdenticalReplicas(new TopicPartition(topic, p), List.of(0, 1, 2));
        }
    }

    @Test
    void aReassignedPartitionMovesToItsNewReplicasWithoutLosingRecords() throws Exception {
        cluster = TestCluster.start(4, Map.of());
        String topic = "moving";
        cluster.createTopic(topic, 1, (short) 3, Map.of());
        awaitIsr(topic, 0, 3);
        TopicPartition tp = new TopicPartition(topic, 0);
        List<Integer> before = describe(cluster, topic, 0).replicas().stream().map(Node::id).toList();
        int outgoing = before.get(0);
        int incoming = java.util.stream.IntStream.range(0, 4).filter(id -> !before.contains(id)).findFirst().orElseThrow();
        List<Integer> target = new ArrayList<>(before.subList(1, 3));
        target.add(0, incoming);
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 500; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "v" + i));
            }
            producer.flush();
        }
        try (Admin admin = cluster.admin()) {
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(
                    new org.apache.kafka.clients.admin.NewPartitionReassignment(target)))).all().get(20, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                TopicPartitionInfo info = describe(cluster, topic, 0);
                assertThat(info.replicas().stream().map(Node::id).toList()).isEqualTo(target);
                assertThat(ids(info.isr())).containsExactlyInAnyOrderElementsOf(target);
                assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();
            });
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.broker(outgoing).partitionLog(tp).isEmpty());
        assertThat(Files.exists(cluster.logDir(outgoing).resolve(topic + "-0"))).isFalse();
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            producer.send(new ProducerRecord<>(topic, 0, "k", "after-move")).get(20, TimeUnit.SECONDS);
        }
        assertIdenticalReplicas(tp, target);
        List<String> values = consumeAll(cluster, tp, 501);
        assertThat(values).hasSize(501);
        assertThat(values.get(500)).isEqualTo("after-move");
    }
}
