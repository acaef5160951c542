package io.sluice.broker.group;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000,000 keyed records through a group of three consumers that join one after another (so
 * partitions move between them mid-stream): every record is consumed, each partition in order,
 * and the payload checksum matches what was produced.
 */
class MillionRecordsGroupIT {
    static final int RECORDS = 1_000_000;
    static final int PARTITIONS = 6;
    static final String TOPIC = "million";
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(Map.of("log.segment.bytes", String.valueOf(16 * 1024 * 1024)));
        broker.createTopic(TOPIC, PARTITIONS, Map.of());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static long crc(String s) {
        CRC32 crc = new CRC32();
        crc.update(s.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    @Test
    void millionKeyedRecordsThroughRebalancingGroupOfThree() throws Exception {
        long producedChecksum = 0;
        Map<Integer, Integer> keyToPartition = new HashMap<>();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.LINGER_MS_CONFIG, "10", ProducerConfig.BATCH_SIZE_CONFIG, "131072",
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"))) {
            AtomicReference<Exception> failure = new AtomicReference<>();
            for (int i = 0; i < RECORDS; i++) {
                String value = "value-" + i + "-" + Integer.toHexString(i * 31 + 7);
                producedChecksum += crc(value);
                producer.send(new ProducerRecord<>(TOPIC, "key-" + (i % 5000), value), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
            assertThat(failure.get()).isNull();
        }

        Map<String, Boolean> seen = new ConcurrentHashMap<>(RECORDS * 2);
        AtomicLong consumedChecksum = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        AtomicBoolean orderViolated = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong revocations = new AtomicLong();
        Map<Integer, Boolean> membersAssigned = new ConcurrentHashMap<>();
        List<Thread> members = new ArrayList<>();
        AtomicReference<Throwable> memberFailure = new AtomicReference<>();
        for (int m = 0; m < 3; m++) {
            int member = m;
            Thread t = new Thread(() -> {
                try (KafkaConsumer<String, String> consumer = broker.consumer("million-group", Map.of(
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500",
                        ConsumerConfig.CLIENT_ID_CONFIG, "member-" + member))) {
                    Map<TopicPartition, Long> lastOffset = new HashMap<>();
                    consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                            consumer.commitSync();
                            partitions.forEach(lastOffset::remove);
                            if (!partitions.isEmpty()) {
                                revocations.incrementAndGet();
                            }
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            if (!partitions.isEmpty()) {
                                membersAssigned.put(member, true);
                            }
                        }
                    });
                    while (!stop.get()) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                            Long last = lastOffset.put(tp, r.offset());
                            if (last != null && r.offset() <= last) {
                                orderViolated.set(true);
                            }
                            if (seen.putIfAbsent(r.partition() + ":" + r.offset(), Boolean.TRUE) == null) {
                                consumedChecksum.addAndGet(crc(r.value()));
                            } else {
                                duplicates.incrementAndGet();
                            }
                        }
                        consumer.commitAsync();
                        // Pace the members so that the later joins land while data is still flowing.
                        Thread.sleep(5);
                    }
                    consumer.commitSync();
                } catch (Throwable e) {
                    memberFailure.compareAndSet(null, e);
                }
            }, "member-" + member);
            members.add(t);
            t.start();
            // Stagger the joins so that partitions are revoked and reassigned while data flows.
            long target = (m + 1) * (RECORDS / 5L);
            long deadline = System.currentTimeMillis() + 60_000;
            while (seen.size() < target && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
        }
        long deadline = System.currentTimeMillis() + 180_000;
        while (seen.size() < RECORDS && System.currentTimeMillis() < deadline && memberFailure.get() == null) {
            Thread.sleep(50);
        }
        stop.set(true);
        for (Thread t : members) {
            t.join(30_000);
        }
        assertThat(memberFailure.get()).isNull();
        // Partitions really moved: the first member gave some up twice, and every member got some.
        assertThat(revocations.get()).isGreaterThanOrEqualTo(2);
        assertThat(membersAssigned).containsOnlyKeys(0, 1, 2);
        assertThat(seen).hasSize(RECORDS);
        assertThat(orderViolated).isFalse();
        assertThat(consumedChecksum.get()).isEqualTo(producedChecksum);
        // Offsets were committed on every revocation: at most the in-flight poll is re-read.
        assertThat(duplicates.get()).isLessThan(RECORDS / 10);
    }
}
