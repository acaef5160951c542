package io.sluice.examples.enrich;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A transactional consume-process-produce job: reads orders ({@code key = order id}, {@code value =
 * "item,quantity,unitPriceCents"}), writes each one enriched with its total, and commits the consumed
 * offsets in the same transaction. Killed at any moment and restarted with the same
 * {@code transactional.id}, it neither loses nor duplicates an order in what read_committed readers see:
 * the restart fences the old instance and aborts its open transaction, and consumption resumes from
 * the offsets committed with the last committed output.
 */
public final class OrderEnrichmentJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OrderEnrichmentJob.class);

    /**
     * {@code format} reads an order and writes it enriched; an order it cannot read goes to {@code errorsTopic} (in
     * the same transaction) or, when that is null, stops the job. The 5-argument form keeps the CSV orders.
     */
    public record Settings(String bootstrapServers, String inputTopic, String outputTopic, String groupId,
                           String transactionalId, OrderFormat format, String errorsTopic) {
        public Settings(String bootstrapServers, String inputTopic, String outputTopic, String groupId,
                        String transactionalId) {
            this(bootstrapServers, inputTopic, outputTopic, groupId, transactionalId, new CsvOrders(), null);
        }
    }

    private final Settings settings;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private volatile boolean stopping;
    private long committedRecords;

    public OrderEnrichmentJob(Settings settings) {
        this.settings = settings;
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        // Static membership under the transactional id: a restarted instance takes its predecessor's
        // place (and partitions) at once instead of waiting out its session timeout, and a zombie
        // predecessor's offset commits are fenced by the group coordinator.
        c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.transactionalId());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(c);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);
    }

    /** Runs until {@link #stop()}; throws if this instance was fenced by a newer one. */
    public void run() {
        producer.initTransactions();
        consumer.subscribe(List.of(settings.inputTopic()));
        log.info("Enriching {} into {} as transactional id {}", settings.inputTopic(), settings.outputTopic(),
                settings.transactionalId());
        while (!stopping) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(Duration.ofMillis(200));
            } catch (WakeupException e) {
                break;
            }
            if (records.isEmpty()) {
                continue;
            }
            producer.beginTransaction();
            try {
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> order : records) {
                    producer.send(enrichedOrDeadLetter(order));
                    next.put(new TopicPartition(order.topic(), order.partition()), new OffsetAndMetadata(order.offset() + 1));
                }
                producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
                producer.commitTransaction();
                long before = committedRecords;
                committedRecords += records.count();
                if (before / 1000 != committedRecords / 1000) {
                    log.info("Committed {} enriched orders so far", committedRecords);
                }
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
                // Another instance took over this transactional id: this one must stop, not retry.
                throw e;
            } catch (KafkaException e) {
                log.warn("Transaction failed, aborting and re-reading from the last commit: {}", e.toString());
                producer.abortTransaction();
                rewind();
            }
        }
    }

    private ProducerRecord<byte[], byte[]> enrichedOrDeadLetter(ConsumerRecord<byte[], byte[]> order) {
        try {
            return new ProducerRecord<>(settings.outputTopic(), order.key(), settings.format().enrich(order));
        } catch (RuntimeException e) {
            if (isIo(e)) {
                throw e; // a registry or network failure says nothing about the order: abort and read it again
            }
            String where = order.topic() + "-" + order.partition() + " offset " + order.offset();
            if (settings.errorsTopic() == null) {
                throw new IllegalStateException("Cannot enrich the order at " + where + ": " + e.getMessage()
                        + " (an errors topic would take such orders and let the job go on)", e);
            }
            log.warn("Order at {} goes to {}: {}", where, settings.errorsTopic(), e.toString());
            return DeadLetters.of(order, settings.errorsTopic(), e);
        }
    }

    /** A network failure (java.net's IOExceptions), not a parse error (Jackson's are IOExceptions too). */
    private static boolean isIo(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException && t.getClass().getName().startsWith("java.net.")) {
                return true;
            }
        }
        return false;
    }

    /** After an abort, go back to the committed offsets so the aborted batch is processed again. */
    private void rewind() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata offset = committed.get(tp);
            if (offset == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, offset.offset());
            }
        }
    }

    public long committedRecords() {
        return committedRecords;
    }

    public void stop() {
        stopping = true;
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close();
        producer.close();
    }
}
