package io.sluice.broker.durability;

import io.sluice.testkit.ChildBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Garbage and a half-written batch appended to the active segment of a killed broker: on restart the
 * tail is cut off, every whole batch before it is served, and new writes continue at the next offset.
 */
class TornTailRecoveryIT {

    @Test
    void tornTailIsTruncatedOnRestart(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        try (ChildBroker broker = new ChildBroker(data, Map.of())) {
            broker.start();
            Properties adminProps = new Properties();
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            try (Admin admin = Admin.create(adminProps)) {
                admin.createTopics(List.of(new NewTopic("torn", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = producer(broker)) {
                for (int i = 0; i < 1000; i++) {
                    producer.send(new ProducerRecord<>("torn", "k" + i, "v" + i));
                }
                producer.flush();
            }
            broker.kill();

            Path active;
            try (Stream<Path> files = Files.list(data.resolve("torn-0"))) {
                active = files.filter(p -> p.toString().endsWith(".log")).max(Comparator.naturalOrder()).orElseThrow();
            }
            byte[] whole = Files.readAllBytes(active);
            // A copy of the first 40 bytes of a real batch (a torn write), then random garbage.
            byte[] torn = Arrays.copyOf(whole, 40);
            byte[] garbage = new byte[300];
            new Random(7).nextBytes(garbage);
            Files.write(active, torn, StandardOpenOption.APPEND);
            Files.write(active, garbage, StandardOpenOption.APPEND);

            broker.start();
            List<ConsumerRecord<String, String>> read = readAll(broker, 1000);
            assertThat(read).hasSize(1000);
            for (int i = 0; i < 1000; i++) {
                assertThat(read.get(i).offset()).isEqualTo(i);
                assertThat(read.get(i).value()).isEqualTo("v" + i);
            }
            try (KafkaProducer<String, String> producer = producer(broker)) {
                RecordMetadata md = producer.send(new ProducerRecord<>("torn", "after", "restart")).get();
                assertThat(md.offset()).isEqualTo(1000);
            }
            List<ConsumerRecord<String, String>> after = readAll(broker, 1001);
            assertThat(after).hasSize(1001);
            assertThat(after.get(1000).value()).isEqualTo("restart");
            assertThat(Files.readString(broker.logFile())).containsIgnoringCase("truncat");
        }
    }

    private static KafkaProducer<String, String> producer(ChildBroker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static List<ConsumerRecord<String, String>> readAll(ChildBroker broker, int expected) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition("torn", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // Nothing beyond what is expected shows up either.
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
