package io.sluice.broker.config;

import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Dynamic broker configs live in ZooKeeper: every broker applies the cluster-wide ones, and they survive restarts. */
class DynamicBrokerConfigsIT {

    @Test
    void clusterWideAndPerBrokerConfigsReachEveryBrokerAndSurviveARestart() throws Exception {
        try (TestCluster cluster = TestCluster.start(2, Map.of());
             Admin admin = cluster.admin()) {
            cluster.createTopic("spread", 2, (short) 1, Map.of());
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER, ""), List.of(
                    new AlterConfigOp(new ConfigEntry("message.max.bytes", "2000"), AlterConfigOp.OpType.SET))))
                    .all().get();
            try (KafkaProducer<String, String> producer = cluster.producer(Map.of())) {
                for (int partition = 0; partition < 2; partition++) {
                    int p = partition;
                    // Each partition has its leader on another broker: both must refuse the large record.
                    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThatThrownBy(() ->
                            producer.send(new ProducerRecord<>("spread", p, "k", "x".repeat(5000))).get())
                            .cause().isInstanceOf(RecordTooLargeException.class));
                }
            }

            ConfigResource one = new ConfigResource(ConfigResource.Type.BROKER, "1");
            admin.incrementalAlterConfigs(Map.of(one, List.of(
                    new AlterConfigOp(new ConfigEntry("log.retention.ms", "4321"), AlterConfigOp.OpType.SET))))
                    .all().get();
            cluster.stop(1);
            cluster.restart(1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ConfigEntry retention = admin.describeConfigs(List.of(one)).all().get().get(one).get("log.retention.ms");
                assertThat(retention.value()).isEqualTo("4321");
                assertThat(retention.source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
            });
            ConfigResource zero = new ConfigResource(ConfigResource.Type.BROKER, "0");
            ConfigEntry onZero = admin.describeConfigs(List.of(zero)).all().get().get(zero).get("log.retention.ms");
            assertThat(onZero.source()).isNotEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
            assertThat(admin.describeConfigs(List.of(zero)).all().get().get(zero).get("message.max.bytes").source())
                    .isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        }
    }
}
