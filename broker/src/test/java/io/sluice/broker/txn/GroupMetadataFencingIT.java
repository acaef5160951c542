package io.sluice.broker.txn;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KIP-447 fencing by consumer group metadata: a consume-process-produce instance whose consumer has
 * been replaced in the group (static member taken over, or a rebalance it missed) cannot commit its
 * input offsets with {@code sendOffsetsToTransaction(offsets, groupMetadata)}; its transaction is
 * aborted and read_committed never sees what it wrote, while the current member's transaction commits.
 * The two instances use different transactional ids, so only the group can tell the zombie apart.
 */
class GroupMetadataFencingIT {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(Map.of(BrokerConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS, "3"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static KafkaProducer<String, String> txnProducer(String transactionalId) {
        KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000));
        producer.initTransactions();
        return producer;
    }

    private static KafkaConsumer<String, String> member(String group, String instanceId) {
        Map<String, Object> extra = new HashMap<>();
        extra.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        extra.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (instanceId != null) {
            extra.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        return broker.consumer(group, extra);
    }

    /** Polls every consumer until each has a partition assignment at generation {@code minGeneration} or later. */
    private static void pollUntilAssigned(int minGeneration, List<KafkaConsumer<String, String>> consumers) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            boolean done = true;
            for (KafkaConsumer<String, String> c : consumers) {
                c.poll(Duration.ofMillis(100));
                done &= !c.assignment().isEmpty() && c.groupMetadata().generationId() >= minGeneration;
            }
            if (done && consumers.stream().map(c -> c.groupMetadata().generationId()).distinct().count() == 1) {
                return;
            }
        }
        throw new AssertionError("group did not stabilise at generation >= " + minGeneration);
    }

    static List<String> read(String topic, String isolation) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = broker.consumer(null,
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.currentTimeMillis() + 10_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> out.add(r.value()));
            }
            assertThat(consumer.position(tp)).as("read to the end of %s (%s)", topic, isolation).isEqualTo(end);
        }
        return out;
    }

    private static long committed(String group, TopicPartition tp) throws Exception {
        try (Admin admin = broker.admin()) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
            return o == null ? -1 : o.offset();
        }
    }

    /** One transaction of a consume-process-produce step: output, input offsets under {@code metadata}, commit. */
    private static void processStep(KafkaProducer<String, String> producer, String out, String value,
                                    TopicPartition in, long offset, ConsumerGroupMetadata metadata) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(out, 0, "k", value));
        producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(offset)), metadata);
        producer.commitTransaction();
    }

    @Test
    void aReplacedStaticMemberIsFencedByInstanceId() throws Exception {
        String group = "g-static";
        broker.createTopic("static-in", 1, Map.of());
        broker.createTopic("static-out", 1, Map.of());
        TopicPartition in = new TopicPartition("static-in", 0);
        try (KafkaConsumer<String, String> zombieConsumer = member(group, "instance-1");
             KafkaProducer<String, String> zombie = txnProducer("t-static-a");
             KafkaProducer<String, String> successor = txnProducer("t-static-b")) {
            zombieConsumer.subscribe(List.of("static-in"));
            pollUntilAssigned(1, List.of(zombieConsumer));
            ConsumerGroupMetadata stale = zombieConsumer.groupMetadata();
            processStep(zombie, "static-out", "zombie-before", in, 1, stale);

            // The instance is restarted elsewhere (same group.instance.id) while the old process is stuck:
            // the coordinator hands the static identity to a new member id.
            try (KafkaConsumer<String, String> replacement = member(group, "instance-1")) {
                replacement.subscribe(List.of("static-in"));
                pollUntilAssigned(1, List.of(replacement));
                ConsumerGroupMetadata current = replacement.groupMetadata();
                assertThat(current.memberId()).isNotEqualTo(stale.memberId());
                assertThat(current.groupInstanceId()).hasValue("instance-1");

                zombie.beginTransaction();
                zombie.send(new ProducerRecord<>("static-out", 0, "k", "zombie-fenced")).get();
                assertThatThrownBy(() -> zombie.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(7)), stale))
                        .isInstanceOf(FencedInstanceIdException.class);
                assertThatThrownBy(zombie::commitTransaction).isInstanceOf(KafkaException.class);
                zombie.abortTransaction();

                processStep(successor, "static-out", "successor", in, 2, current);
            }
        }
        assertThat(read("static-out", "read_committed")).containsExactly("zombie-before", "successor");
        assertThat(read("static-out", "read_uncommitted")).containsExactly("zombie-before", "zombie-fenced", "successor");
        assertThat(committed(group, in)).isEqualTo(2);
    }

    @Test
    void aMemberThatMissedARebalanceIsFencedByGenerationAndThenByMemberId() throws Exception {
        String group = "g-dynamic";
        broker.createTopic("dyn-in", 2, Map.of());
        broker.createTopic("dyn-out", 1, Map.of());
        TopicPartition in0 = new TopicPartition("dyn-in", 0);
        try (KafkaConsumer<String, String> first = member(group, null);
             KafkaConsumer<String, String> second = member(group, null);
             KafkaProducer<String, String> zombie = txnProducer("t-dyn-a");
             KafkaProducer<String, String> successor = txnProducer("t-dyn-b")) {
            first.subscribe(List.of("dyn-in"));
            pollUntilAssigned(1, List.of(first));
            // What the first instance captured with the records it is processing when it stalls.
            ConsumerGroupMetadata stale = first.groupMetadata();
            processStep(zombie, "dyn-out", "zombie-before", in0, 1, stale);

            // A second member joins: the rebalance bumps the generation past the stale metadata.
            second.subscribe(List.of("dyn-in"));
            pollUntilAssigned(stale.generationId() + 1, List.of(first, second));
            assertThat(first.groupMetadata().memberId()).isEqualTo(stale.memberId());

            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>("dyn-out", 0, "k", "zombie-old-generation")).get();
            assertThatThrownBy(() -> zombie.sendOffsetsToTransaction(Map.of(in0, new OffsetAndMetadata(5)), stale))
                    .isInstanceOf(CommitFailedException.class)
                    .hasMessageContaining(Errors.ILLEGAL_GENERATION.message());
            assertThatThrownBy(zombie::commitTransaction).isInstanceOf(KafkaException.class);
            zombie.abortTransaction();

            // Still a member, but with the generation the consumer resets to -1 before it rejoins (what
            // groupMetadata() reports after e.g. an ILLEGAL_GENERATION heartbeat): still fenced.
            ConsumerGroupMetadata reset = new ConsumerGroupMetadata(group, -1, stale.memberId(), Optional.empty());
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>("dyn-out", 0, "k", "zombie-reset-generation")).get();
            assertThatThrownBy(() -> zombie.sendOffsetsToTransaction(Map.of(in0, new OffsetAndMetadata(6)), reset))
                    .isInstanceOf(CommitFailedException.class)
                    .hasMessageContaining(Errors.ILLEGAL_GENERATION.message());
            zombie.abortTransaction();

            // The first member leaves; the survivor takes every partition and commits for in0.
            ConsumerGroupMetadata departed = first.groupMetadata();
            first.unsubscribe();
            pollUntilAssigned(departed.generationId() + 1, List.of(second));
            assertThat(second.assignment()).contains(in0);
            processStep(successor, "dyn-out", "successor", in0, 3, second.groupMetadata());

            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>("dyn-out", 0, "k", "zombie-departed")).get();
            assertThatThrownBy(() -> zombie.sendOffsetsToTransaction(Map.of(in0, new OffsetAndMetadata(9)), departed))
                    .isInstanceOf(CommitFailedException.class)
                    .hasMessageContaining(Errors.UNKNOWN_MEMBER_ID.message());
            zombie.abortTransaction();
        }
        assertThat(read("dyn-out", "read_committed")).containsExactly("zombie-before", "successor");
        assertThat(read("dyn-out", "read_uncommitted"))
                .containsExactly("zombie-before", "zombie-old-generation", "zombie-reset-generation", "successor",
                        "zombie-departed");
        assertThat(committed(group, in0)).isEqualTo(3);
    }
}
