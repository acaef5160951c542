package io.sluice.examples.enrich;

import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The enrichment job in a child JVM, SIGKILLed at random moments and restarted with the same
 * transactional id: the output, read read_committed, holds every input order exactly once.
 */
class OrderEnrichmentExactlyOnceIT {
    static final int ORDERS = 6000;

    @Test
    void everyOrderExactlyOnceDespiteRepeatedSigkills() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            broker.createTopic("orders", 3, Map.of());
            broker.createTopic("orders-enriched", 3, Map.of());
            Map<String, String> expected = new HashMap<>();
            try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                for (int i = 0; i < ORDERS; i++) {
                    String value = "item-" + (i % 17) + "," + (1 + i % 5) + "," + (100 + i);
                    producer.send(new ProducerRecord<>("orders", "order-" + i, value));
                    expected.put("order-" + i, value + ",total=" + ((1 + i % 5) * (100L + i)));
                }
                producer.flush();
            }

            Path log = Files.createTempFile("enrich-job", ".log");
            Random random = new Random(20261125);
            int kills = 0;
            // Kill the job at random points, at least five times, while it is working.
            while (kills < 6) {
                Process job = startJob(broker, log);
                Thread.sleep(400 + random.nextInt(1200));
                job.destroyForcibly().waitFor();
                kills++;
            }
            Process job = startJob(broker, log);
            try {
                List<ConsumerRecord<String, String>> output = EnrichedOutput.readCommitted(broker.bootstrap(), 3, ORDERS);
                assertThat(output).as("job log: %s", log).hasSize(ORDERS);
                Map<String, Integer> seen = new HashMap<>();
                for (ConsumerRecord<String, String> r : output) {
                    seen.merge(r.key(), 1, Integer::sum);
                    String value = r.value();
                    assertThat(value.substring(0, value.lastIndexOf(",source="))).isEqualTo(expected.get(r.key()));
                }
                assertThat(seen).hasSize(ORDERS);
                assertThat(seen.values()).allMatch(n -> n == 1);
            } finally {
                job.destroy();
                job.waitFor();
            }
        }
    }

    private static Process startJob(TestBroker broker, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                EnrichCommand.class.getName(), "--bootstrap-server", broker.bootstrap(),
                "--transactional-id", "enrich-under-test")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }
}
