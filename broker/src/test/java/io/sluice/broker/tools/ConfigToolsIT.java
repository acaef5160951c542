package io.sluice.broker.tools;

import io.sluice.testkit.KafkaTool;
import io.sluice.testkit.KafkaTool.Result;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Apache Kafka's kafka-configs.sh and kafka-log-dirs.sh (their main classes) against a Sluice broker. */
class ConfigToolsIT {
    static final String CONFIGS = "org.apache.kafka.tools.ConfigCommand";
    static final String LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand";
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start();
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("tooled", 2, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>("tooled", 0, "k", "v")).get();
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Result tool(String mainClass, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = broker.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        Result result = KafkaTool.run(mainClass, null, all);
        assertThat(result.exitCode()).as("%s %s:%n%s", mainClass, Arrays.toString(args), result.output()).isZero();
        return result;
    }

    @Test
    void kafkaConfigsAltersAndDescribesTopicBrokerAndGroupConfigs() throws Exception {
        // Each tool call is a JVM start: a few calls that each check several things.
        tool(CONFIGS, "--alter", "--entity-type", "topics", "--entity-name", "tooled",
                "--add-config", "min.cleanable.dirty.ratio=0.01,compression.type=zstd,cleanup.policy=[compact,delete]");
        String topic = tool(CONFIGS, "--describe", "--entity-type", "topics", "--entity-name", "tooled").output();
        assertThat(topic).contains("min.cleanable.dirty.ratio=0.01").contains("compression.type=zstd")
                .contains("cleanup.policy=compact,delete");

        tool(CONFIGS, "--alter", "--entity-type", "brokers", "--entity-default", "--add-config", "log.cleaner.threads=2");
        String all = tool(CONFIGS, "--describe", "--entity-type", "brokers", "--entity-name", "0", "--all").output();
        assertThat(all).contains("log.cleaner.threads=2").contains("DYNAMIC_DEFAULT_BROKER_CONFIG");
        Result readOnly = KafkaTool.run(CONFIGS, null, "--bootstrap-server", broker.bootstrap(), "--alter",
                "--entity-type", "brokers", "--entity-name", "0", "--add-config", "log.dirs=/elsewhere");
        assertThat(readOnly.exitCode()).isNotZero();
        assertThat(readOnly.output()).contains("Cannot update these configs dynamically");

        tool(CONFIGS, "--alter", "--entity-type", "groups", "--entity-name", "tool-group",
                "--add-config", "consumer.session.timeout.ms=50000");
        assertThat(tool(CONFIGS, "--describe", "--entity-type", "groups", "--entity-name", "tool-group").output())
                .contains("consumer.session.timeout.ms=50000");
    }

    @Test
    void kafkaLogDirsDescribesEveryLocalPartition() throws Exception {
        String out = tool(LOG_DIRS, "--describe", "--broker-list", "0", "--topic-list", "tooled").output();
        assertThat(out).contains("\"partition\":\"tooled-0\"").contains("\"partition\":\"tooled-1\"")
                .contains("\"isFuture\":false").contains(broker.dataDir().toAbsolutePath().normalize().toString());
    }
}
