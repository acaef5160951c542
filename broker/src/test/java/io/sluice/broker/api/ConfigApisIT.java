package io.sluice.broker.api;

import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DescribeConfigs, IncrementalAlterConfigs, legacy AlterConfigs and DescribeLogDirs through Admin and raw requests. */
class ConfigApisIT {
    static TestBroker broker;
    static Admin admin;

    /** A valid value, different from Kafka's default, for every TopicConfig key; then a second one. */
    static final Map<String, List<String>> VALUES = new HashMap<>();

    static {
        VALUES.put("segment.bytes", List.of("2097152", "4194304"));
        VALUES.put("segment.ms", List.of("3600000", "7200000"));
        VALUES.put("segment.jitter.ms", List.of("1000", "2000"));
        VALUES.put("segment.index.bytes", List.of("1048576", "2097152"));
        VALUES.put("flush.messages", List.of("1000", "2000"));
        VALUES.put("flush.ms", List.of("5000", "6000"));
        VALUES.put("retention.bytes", List.of("1073741824", "2147483648"));
        VALUES.put("retention.ms", List.of("86400000", "172800000"));
        VALUES.put("remote.storage.enable", List.of("false", "false"));
        VALUES.put("local.retention.ms", List.of("3600000", "-1"));
        VALUES.put("local.retention.bytes", List.of("1048576", "-1"));
        VALUES.put("remote.log.copy.disable", List.of("true", "false"));
        VALUES.put("remote.copy.lag.ms", List.of("1000", "2000"));
        VALUES.put("remote.copy.lag.bytes", List.of("1000", "2000"));
        VALUES.put("remote.log.delete.on.disable", List.of("true", "false"));
        VALUES.put("max.message.bytes", List.of("2097152", "3145728"));
        VALUES.put("max.decompressed.message.bytes", List.of("10485760", "20971520"));
        VALUES.put("index.interval.bytes", List.of("8192", "16384"));
        VALUES.put("file.delete.delay.ms", List.of("30000", "40000"));
        VALUES.put("delete.retention.ms", List.of("3600000", "7200000"));
        VALUES.put("min.compaction.lag.ms", List.of("1000", "2000"));
        VALUES.put("max.compaction.lag.ms", List.of("86400000", "172800000"));
        VALUES.put("min.cleanable.dirty.ratio", List.of("0.01", "0.3"));
        VALUES.put("cleanup.policy", List.of("compact", "compact,delete"));
        VALUES.put("unclean.leader.election.enable", List.of("true", "false"));
        VALUES.put("min.insync.replicas", List.of("1", "1"));
        VALUES.put("compression.type", List.of("gzip", "zstd"));
        VALUES.put("compression.gzip.level", List.of("5", "9"));
        VALUES.put("compression.lz4.level", List.of("3", "17"));
        VALUES.put("compression.zstd.level", List.of("10", "-5"));
        VALUES.put("preallocate", List.of("true", "false"));
        VALUES.put("message.timestamp.type", List.of("LogAppendTime", "CreateTime"));
        VALUES.put("message.timestamp.before.max.ms", List.of("86400000", "3600000"));
        VALUES.put("message.timestamp.after.max.ms", List.of("7200000", "60000"));
        VALUES.put("message.downconversion.enable", List.of("false", "true"));
        VALUES.put("errors.deadletterqueue.group.enable", List.of("true", "false"));
    }

    @BeforeAll
    static void start() {
        broker = TestBroker.start(Map.of("log.retention.hours", "5"));
        admin = broker.admin();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    static Set<String> topicConfigKeys() {
        return Arrays.stream(TopicConfig.class.getFields())
                .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class
                        && f.getName().endsWith("_CONFIG"))
                .map(ConfigApisIT::value)
                .collect(Collectors.toSet());
    }

    private static String value(Field f) {
        try {
            return (String) f.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static Config describe(ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeSynonyms(true)
                .includeDocumentation(true)).all().get().get(resource);
    }

    @Test
    void everyTopicConfigKeyRoundTripsThroughCreateAlterAndDescribe() throws Exception {
        Set<String> keys = topicConfigKeys();
        assertThat(VALUES.keySet()).as("a test value for every TopicConfig key").containsAll(keys);
        Map<String, String> first = new HashMap<>();
        keys.forEach(k -> first.put(k, VALUES.get(k).get(0)));
        admin.createTopics(List.of(new NewTopic("every-key", 1, (short) 1).configs(first))).all().get();
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "every-key");
        Config described = describe(topic);
        for (String key : keys) {
            ConfigEntry entry = described.get(key);
            assertThat(entry).as(key).isNotNull();
            assertThat(entry.value()).as(key).isEqualTo(first.get(key));
            assertThat(entry.source()).as(key).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(entry.documentation()).as(key).isNotBlank();
        }
        Collection<AlterConfigOp> ops = keys.stream().map(k -> new AlterConfigOp(
                new ConfigEntry(k, VALUES.get(k).get(1)), AlterConfigOp.OpType.SET)).toList();
        admin.incrementalAlterConfigs(Map.of(topic, ops)).all().get();
        Config altered = describe(topic);
        for (String key : keys) {
            assertThat(altered.get(key).value()).as(key).isEqualTo(VALUES.get(key).get(1));
        }
        // DELETE returns a key to the broker's default.
        admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE)))).all().get();
        ConfigEntry retention = describe(topic).get("retention.ms");
        assertThat(retention.value()).isEqualTo(String.valueOf(5 * 3_600_000L));
        assertThat(retention.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
    }

    @Test
    void badTopicConfigValuesAreInvalidConfigNamingTheKey() throws Exception {
        Map<String, String> bad = Map.of("compression.type", "brotli", "min.cleanable.dirty.ratio", "1.5",
                "segment.jitter.ms", "-1", "compression.gzip.level", "10", "message.timestamp.type", "Whenever",
                "leader.replication.throttled.replicas", "zero:one");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("bad-" + e.getKey().replace('.', '-'),
                    1, (short) 1).configs(Map.of(e.getKey(), e.getValue())))).all().get())
                    .as(e.getKey())
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining(e.getKey());
        }
        admin.createTopics(List.of(new NewTopic("alter-bad", 1, (short) 1))).all().get();
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "alter-bad");
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                new ConfigEntry("max.compaction.lag.ms", "0"), AlterConfigOp.OpType.SET)))).all().get())
                .cause().isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("max.compaction.lag.ms");
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                new ConfigEntry("retention.hourz", "1"), AlterConfigOp.OpType.SET)))).all().get())
                .cause().isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("retention.hourz");
    }

    @Test
    void topicSynonymsFollowKafkasChainDownToTheBrokerDefault() throws Exception {
        admin.createTopics(List.of(new NewTopic("synonyms", 1, (short) 1)
                .configs(Map.of("retention.ms", "1000")))).all().get();
        ConfigEntry retention = describe(new ConfigResource(ConfigResource.Type.TOPIC, "synonyms")).get("retention.ms");
        assertThat(retention.synonyms()).extracting(ConfigEntry.ConfigSynonym::name, ConfigEntry.ConfigSynonym::value,
                        ConfigEntry.ConfigSynonym::source)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("retention.ms", "1000", ConfigSource.DYNAMIC_TOPIC_CONFIG),
                        org.assertj.core.groups.Tuple.tuple("log.retention.hours", "5", ConfigSource.STATIC_BROKER_CONFIG),
                        org.assertj.core.groups.Tuple.tuple("log.retention.hours", "168", ConfigSource.DEFAULT_CONFIG));
        ConfigEntry segment = describe(new ConfigResource(ConfigResource.Type.TOPIC, "synonyms")).get("segment.bytes");
        assertThat(segment.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(segment.synonyms()).extracting(ConfigEntry.ConfigSynonym::name).containsExactly("log.segment.bytes");
    }

    @Test
    void dynamicBrokerConfigsAreStoredAppliedLiveAndReadOnlyOnesRefused() throws Exception {
        ConfigResource self = new ConfigResource(ConfigResource.Type.BROKER, "0");
        ConfigResource cluster = new ConfigResource(ConfigResource.Type.BROKER, "");
        Config before = describe(self);
        assertThat(before.get("broker.id").isReadOnly()).isTrue();
        assertThat(before.get("log.retention.ms").isReadOnly()).isFalse();
        assertThat(before.get("ssl.keystore.password").isSensitive()).isTrue();
        assertThat(before.get("log.retention.hours").source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(before.get("num.io.threads").value()).isEqualTo("4");

        admin.createTopics(List.of(new NewTopic("dynamic-defaults", 1, (short) 1))).all().get();
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "dynamic-defaults");
        try {
            admin.incrementalAlterConfigs(Map.of(cluster, List.of(
                    set("log.retention.ms", "1234"), set("message.max.bytes", "2000")))).all().get();
            assertThat(describe(cluster).entries()).extracting(ConfigEntry::name)
                    .containsExactlyInAnyOrder("log.retention.ms", "message.max.bytes");
            ConfigEntry retention = describe(topic).get("retention.ms");
            assertThat(retention.value()).isEqualTo("1234");
            assertThat(retention.source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
            // Applied live: the topic's logs take the new message.max.bytes at once.
            try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("dynamic-defaults", "x".repeat(5000))).get())
                        .cause().isInstanceOf(RecordTooLargeException.class);
            }

            admin.incrementalAlterConfigs(Map.of(self, List.of(set("log.retention.ms", "999")))).all().get();
            ConfigEntry perBroker = describe(topic).get("retention.ms");
            assertThat(perBroker.value()).isEqualTo("999");
            assertThat(perBroker.source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
            assertThat(describe(self).get("log.retention.ms").synonyms()).extracting(ConfigEntry.ConfigSynonym::source)
                    .containsExactly(ConfigSource.DYNAMIC_BROKER_CONFIG, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
                            ConfigSource.DEFAULT_CONFIG);

            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(self, List.of(set("broker.id", "7"))))
                    .all().get())
                    .cause().isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("Cannot update these configs dynamically").hasMessageContaining("broker.id");
            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(self, List.of(set("message.max.bytes",
                    "lots")))).all().get())
                    .cause().isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("message.max.bytes");
        } finally {
            admin.incrementalAlterConfigs(Map.of(
                    self, List.of(delete("log.retention.ms")),
                    cluster, List.of(delete("log.retention.ms"), delete("message.max.bytes")))).all().get();
        }
        assertThat(describe(topic).get("retention.ms").value()).isEqualTo(String.valueOf(5 * 3_600_000L));
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>("dynamic-defaults", "x".repeat(5000))).get();
        }
    }

    @Test
    void groupConfigsAreDescribedAndAltered() throws Exception {
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, "configured-group");
        Config defaults = describe(group);
        assertThat(defaults.get("consumer.session.timeout.ms").value()).isEqualTo("45000");
        assertThat(defaults.get("share.isolation.level").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        admin.incrementalAlterConfigs(Map.of(group, List.of(set("consumer.session.timeout.ms", "50000"),
                set("share.auto.offset.reset", "earliest")))).all().get();
        Config altered = describe(group);
        assertThat(altered.get("consumer.session.timeout.ms").value()).isEqualTo("50000");
        assertThat(altered.get("consumer.session.timeout.ms").source()).isEqualTo(ConfigSource.DYNAMIC_GROUP_CONFIG);
        assertThat(altered.get("share.auto.offset.reset").value()).isEqualTo("earliest");
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(group, List.of(
                set("share.delivery.count.limit", "1")))).all().get())
                .cause().isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("share.delivery.count.limit");
    }

    @Test
    void legacyAlterConfigsReplacesTheWholeSet() throws Exception {
        admin.createTopics(List.of(new NewTopic("legacy", 1, (short) 1)
                .configs(Map.of("retention.ms", "1000", "cleanup.policy", "compact")))).all().get();
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "legacy");
        for (short version = 0; version <= ApiKeys.ALTER_CONFIGS.latestVersion(); version++) {
            try (RawConnection raw = RawConnection.to(broker)) {
                String segmentMs = String.valueOf(3_600_000 + version);
                AlterConfigsRequest request = new AlterConfigsRequest.Builder(Map.of(topic, new AlterConfigsRequest.Config(
                        List.of(new AlterConfigsRequest.ConfigEntry("segment.ms", segmentMs)))), false).build(version);
                AlterConfigsResponse response = (AlterConfigsResponse) raw.send(
                        new RequestHeader(ApiKeys.ALTER_CONFIGS, version, "legacy-test", 1), request);
                assertThat(response.errors().get(topic).error()).as("v%d", version).isEqualTo(Errors.NONE);
                Config described = describe(topic);
                assertThat(described.get("segment.ms").value()).isEqualTo(segmentMs);
                // Not in the request any more: back to the default.
                assertThat(described.get("retention.ms").source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
                assertThat(described.get("cleanup.policy").value()).isEqualTo("delete");

                AlterConfigsRequest bad = new AlterConfigsRequest.Builder(Map.of(topic, new AlterConfigsRequest.Config(
                        List.of(new AlterConfigsRequest.ConfigEntry("segment.ms", "0")))), false).build(version);
                AlterConfigsResponse refused = (AlterConfigsResponse) raw.send(
                        new RequestHeader(ApiKeys.ALTER_CONFIGS, version, "legacy-test", 2), bad);
                assertThat(refused.errors().get(topic).error()).isEqualTo(Errors.INVALID_CONFIG);
                assertThat(refused.errors().get(topic).message()).contains("segment.ms");
            }
        }
    }

    @Test
    void describeLogDirsReportsEachLocalPartition() throws Exception {
        admin.createTopics(List.of(new NewTopic("log-dirs", 2, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>("log-dirs", 0, "k", "v")).get();
        }
        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(0)).allDescriptions().get().get(0);
        assertThat(dirs).hasSize(1);
        LogDirDescription dir = dirs.values().iterator().next();
        assertThat(dir.error()).isNull();
        assertThat(dir.totalBytes().getAsLong()).isPositive();
        assertThat(dir.usableBytes().getAsLong()).isPositive();
        assertThat(dir.replicaInfos().get(new TopicPartition("log-dirs", 0)).size()).isPositive();
        assertThat(dir.replicaInfos().get(new TopicPartition("log-dirs", 1)).size()).isZero();
        assertThat(dir.replicaInfos().get(new TopicPartition("log-dirs", 0)).isFuture()).isFalse();
    }

    static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
    }

    static AlterConfigOp delete(String key) {
        return new AlterConfigOp(new ConfigEntry(key, null), AlterConfigOp.OpType.DELETE);
    }
}
