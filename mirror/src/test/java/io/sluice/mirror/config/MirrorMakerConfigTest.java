package io.sluice.mirror.config;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MirrorMakerConfigTest {
    static Map<String, String> mm2() {
        Map<String, String> p = new HashMap<>();
        p.put("clusters", "A, B");
        p.put("A.bootstrap.servers", "a:9092");
        p.put("B.bootstrap.servers", "b:9092");
        p.put("A.consumer.fetch.min.bytes", "1000");
        p.put("B.producer.linger.ms", "20");
        p.put("A->B.enabled", "true");
        p.put("A->B.topics", "orders.*");
        p.put("groups", "app-.*");
        return p;
    }

    @Test
    void flowsAndConnectorConfigsFollowMm2() {
        MirrorMakerConfig config = new MirrorMakerConfig(mm2());
        var flows = config.flows(Set.of());
        assertThat(flows).extracting(Object::toString).containsExactly("A->B", "B->A");
        assertThat(flows.get(0).enabled()).isTrue();
        assertThat(flows.get(1).enabled()).isFalse(); // heartbeats only, as MM2
        assertThat(config.connectorConfigs(flows.get(0))).hasSize(3);
        assertThat(config.connectorConfigs(flows.get(1))).hasSize(1);
        Map<String, String> base = config.connectorBase(flows.get(0));
        assertThat(base).containsEntry("source.cluster.alias", "A").containsEntry("target.cluster.alias", "B")
                .containsEntry("source.cluster.bootstrap.servers", "a:9092")
                .containsEntry("source.cluster.consumer.fetch.min.bytes", "1000")
                .containsEntry("topics", "orders.*").containsEntry("groups", "app-.*")
                .doesNotContainKeys("clusters", "enabled", "A->B.topics");
        MirrorConnectorConfig connector = new MirrorConnectorConfig(base);
        assertThat(connector.sourceConsumer()).containsEntry("fetch.min.bytes", "1000")
                .containsEntry("bootstrap.servers", "a:9092").containsEntry("isolation.level", "read_committed");
        assertThat(connector.offsetSyncsTopic(connector.replicationPolicy())).isEqualTo("mm2-offset-syncs.A.internal");
        Map<String, String> worker = config.workerSettings(flows.get(0));
        assertThat(worker).containsEntry("bootstrap.servers", "b:9092").containsEntry("producer.linger.ms", "20")
                .containsEntry("exactly.once.source.support", "enabled");
        assertThat(config.flows(Set.of("A"))).extracting(Object::toString).containsExactly("B->A");
    }

    @Test
    void badSettingsAreNamed() {
        Map<String, String> noBootstrap = mm2();
        noBootstrap.remove("B.bootstrap.servers");
        assertThatThrownBy(() -> new MirrorMakerConfig(noBootstrap)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("B.bootstrap.servers");
        Map<String, String> unknownCluster = mm2();
        unknownCluster.put("A->C.enabled", "true");
        assertThatThrownBy(() -> new MirrorMakerConfig(unknownCluster)).hasMessageContaining("A->C");
        assertThatThrownBy(() -> new MirrorMakerConfig(mm2()).flows(Set.of("Z"))).hasMessageContaining("Z");
        Map<String, String> source = mm2();
        source.put("offset-syncs.topic.location", "source");
        MirrorMakerConfig config = new MirrorMakerConfig(source);
        assertThatThrownBy(() -> new MirrorConnectorConfig(config.connectorBase(config.flows(Set.of()).get(0))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("offset-syncs.topic.location");
    }
}
