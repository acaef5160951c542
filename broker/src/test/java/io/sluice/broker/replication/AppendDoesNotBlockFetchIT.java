package io.sluice.broker.replication;

import io.sluice.broker.log.PartitionLog;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partition's leadership lock is not held exclusively across a log append: while an append is
 * stuck inside the log (here: the test holds the log's lock, as a slow fsync would), consumers still
 * fetch what was written before it, and the stuck produce completes once the log is free.
 */
class AppendDoesNotBlockFetchIT {

    @Test
    void fetchesGoOnWhileAnAppendWaitsForTheLog() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            broker.createTopic("stuck", 1, Map.of());
            TopicPartition tp = new TopicPartition("stuck", 0);
            try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1",
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000))) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>("stuck", "k", "before" + i)).get();
                }
                PartitionLog log = broker.broker().partitionLog(tp).orElseThrow();
                Future<RecordMetadata> stuck;
                List<ConsumerRecord<String, String>> got = new ArrayList<>();
                synchronized (log) {
                    stuck = producer.send(new ProducerRecord<>("stuck", "k", "during"));
                    // The produce request reaches the broker and waits for the log's lock.
                    long deadline = System.currentTimeMillis() + 20_000;
                    while (!someThreadWaitsFor(log) && System.currentTimeMillis() < deadline) {
                        Thread.sleep(10);
                    }
                    assertThat(someThreadWaitsFor(log)).as("a request thread waits inside the append").isTrue();
                    long deadline2;
                    try (KafkaConsumer<String, String> consumer = broker.consumer(null, Map.of())) {
                        consumer.assign(List.of(tp));
                        consumer.seekToBeginning(List.of(tp));
                        deadline2 = System.currentTimeMillis() + 30_000;
                        while (got.size() < 5 && System.currentTimeMillis() < deadline2) {
                            consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                        }
                    }
                    assertThat(stuck.isDone()).as("the produce waits for the log").isFalse();
                }
                assertThat(got).extracting(ConsumerRecord::value)
                        .containsExactly("before0", "before1", "before2", "before3", "before4");
                assertThat(stuck.get(60, TimeUnit.SECONDS).offset()).isEqualTo(5);
            }
        }
    }

    private static boolean someThreadWaitsFor(Object monitor) {
        int id = System.identityHashCode(monitor);
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            if (info.getThreadState() == Thread.State.BLOCKED && info.getLockInfo() != null
                    && info.getLockInfo().getIdentityHashCode() == id) {
                return true;
            }
        }
        return false;
    }
}
