import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fills a compacted topic: RECORDS records over KEYS keys (key i mod KEYS), VALUE_SIZE-byte values.
 * Exits 1 if any send failed, so that a half-filled topic is never benchmarked.
 */
public class Fill {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        long records = Long.parseLong(args[2]);
        int keys = Integer.parseInt(args[3]);
        int valueSize = Integer.parseInt(args[4]);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        byte[] value = new byte[valueSize];
        new Random(1).nextBytes(value);
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; i < records; i++) {
                byte[] key = ("key-" + (i % keys)).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%d records sent over %d keys in %.1f s, %d failed%n", records, keys, seconds, failed.get());
        if (failed.get() > 0) {
            System.out.println("first error: " + firstError.get());
            System.exit(1);
        }
    }
}
