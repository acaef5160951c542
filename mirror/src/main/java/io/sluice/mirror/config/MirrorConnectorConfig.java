package io.sluice.mirror.config;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.mirror.DefaultReplicationPolicy;
import org.apache.kafka.connect.mirror.IdentityReplicationPolicy;
import org.apache.kafka.connect.mirror.ReplicationPolicy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings every mirror connector shares, under MirrorMaker 2's connector config names and defaults
 * ({@code source.cluster.alias}, {@code topics}, {@code replication.policy.class}, ...). Clients are configured as
 * MM2 does: {@code source.cluster.*} / {@code target.cluster.*} for both clusters' common client settings
 * (bootstrap servers, security), then {@code source.cluster.consumer.*}, {@code source.cluster.admin.*},
 * {@code target.cluster.admin.*}, ... for one kind of client.
 */
public class MirrorConnectorConfig extends AbstractConfig {
    public static final String SOURCE_CLUSTER_ALIAS = "source.cluster.alias";
    public static final String TARGET_CLUSTER_ALIAS = "target.cluster.alias";
    public static final String SOURCE_CLUSTER_PREFIX = "source.cluster.";
    public static final String TARGET_CLUSTER_PREFIX = "target.cluster.";
    public static final String REPLICATION_POLICY_CLASS = "replication.policy.class";
    public static final String REPLICATION_POLICY_SEPARATOR = "replication.policy.separator";
    public static final String TOPICS = "topics";
    public static final String TOPICS_EXCLUDE = "topics.exclude";
    public static final String GROUPS = "groups";
    public static final String GROUPS_EXCLUDE = "groups.exclude";
    public static final String REPLICATION_FACTOR = "replication.factor";
    public static final String OFFSET_SYNCS_REPLICATION_FACTOR = "offset-syncs.topic.replication.factor";
    public static final String CHECKPOINTS_REPLICATION_FACTOR = "checkpoints.topic.replication.factor";
    public static final String HEARTBEATS_REPLICATION_FACTOR = "heartbeats.topic.replication.factor";
    public static final String OFFSET_SYNCS_LOCATION = "offset-syncs.topic.location";
    public static final String SYNC_TOPIC_CONFIGS_ENABLED = "sync.topic.configs.enabled";
    public static final String SYNC_TOPIC_CONFIGS_INTERVAL = "sync.topic.configs.interval.seconds";
    public static final String SYNC_TOPIC_ACLS_ENABLED = "sync.topic.acls.enabled";
    public static final String CONFIG_PROPERTIES_EXCLUDE = "config.properties.exclude";
    public static final String REFRESH_TOPICS_ENABLED = "refresh.topics.enabled";
    public static final String REFRESH_TOPICS_INTERVAL = "refresh.topics.interval.seconds";
    public static final String REFRESH_GROUPS_ENABLED = "refresh.groups.enabled";
    public static final String REFRESH_GROUPS_INTERVAL = "refresh.groups.interval.seconds";
    public static final String EMIT_CHECKPOINTS_ENABLED = "emit.checkpoints.enabled";
    public static final String EMIT_CHECKPOINTS_INTERVAL = "emit.checkpoints.interval.seconds";
    public static final String SYNC_GROUP_OFFSETS_ENABLED = "sync.group.offsets.enabled";
    public static final String SYNC_GROUP_OFFSETS_INTERVAL = "sync.group.offsets.interval.seconds";
    public static final String EMIT_HEARTBEATS_ENABLED = "emit.heartbeats.enabled";
    public static final String EMIT_HEARTBEATS_INTERVAL = "emit.heartbeats.interval.seconds";
    public static final String OFFSET_LAG_MAX = "offset.lag.max";
    /** Task config: the upstream partitions (topic-partition, comma separated) a source task mirrors, as MM2's. */
    public static final String TASK_TOPIC_PARTITIONS = "task.assigned.partitions";
    /** Task config: the consumer groups a checkpoint task translates, as MM2's. */
    public static final String TASK_CONSUMER_GROUPS = "task.assigned.groups";

    static final String TOPICS_EXCLUDE_DEFAULT = "mm2.*\\.internal, .*\\.replica, __.*";
    static final String GROUPS_EXCLUDE_DEFAULT = "console-consumer-.*, connect-.*, __.*";
    static final String CONFIG_PROPERTIES_EXCLUDE_DEFAULT = "follower\\.replication\\.throttled\\.replicas, "
            + "leader\\.replication\\.throttled\\.replicas, message\\.timestamp\\.difference\\.max\\.ms, "
            + "message\\.timestamp\\.type, unclean\\.leader\\.election\\.enable, min\\.insync\\.replicas";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(SOURCE_CLUSTER_ALIAS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Alias of the cluster records are mirrored from.")
            .define(TARGET_CLUSTER_ALIAS, Type.STRING, "target", Importance.HIGH,
                    "Alias of the cluster records are mirrored to (the worker's cluster).")
            .define(REPLICATION_POLICY_CLASS, Type.CLASS, DefaultReplicationPolicy.class, Importance.LOW,
                    "How remote topics are named: DefaultReplicationPolicy (\"A.topic\") or IdentityReplicationPolicy.")
            .define(REPLICATION_POLICY_SEPARATOR, Type.STRING, ".", Importance.LOW,
                    "Separator between the source alias and the topic name in remote topics.")
            .define(TOPICS, Type.LIST, ".*", Importance.HIGH, "Regexes of topics to mirror.")
            .define(TOPICS_EXCLUDE, Type.LIST, TOPICS_EXCLUDE_DEFAULT, Importance.HIGH, "Regexes of topics not to mirror.")
            .define(GROUPS, Type.LIST, ".*", Importance.HIGH, "Regexes of consumer groups to checkpoint.")
            .define(GROUPS_EXCLUDE, Type.LIST, GROUPS_EXCLUDE_DEFAULT, Importance.HIGH,
                    "Regexes of consumer groups not to checkpoint.")
            .define(REPLICATION_FACTOR, Type.INT, 2, Importance.LOW,
                    "Replication factor of newly created remote topics (-1: the target broker's default).")
            .define(OFFSET_SYNCS_REPLICATION_FACTOR, Type.SHORT, (short) 3, Importance.LOW,
                    "Replication factor of the offset-syncs topic.")
            .define(CHECKPOINTS_REPLICATION_FACTOR, Type.SHORT, (short) 3, Importance.LOW,
                    "Replication factor of the checkpoints topic.")
            .define(HEARTBEATS_REPLICATION_FACTOR, Type.SHORT, (short) 3, Importance.LOW,
                    "Replication factor of the heartbeats topic.")
            .define(OFFSET_SYNCS_LOCATION, Type.STRING, "target", ConfigDef.ValidString.in("target"), Importance.LOW,
                    "Where the offset-syncs topic lives. Sluice keeps it on the target, where syncs commit in the "
                            + "records' transaction; 'source' (KIP-716) is not supported.")
            .define(SYNC_TOPIC_CONFIGS_ENABLED, Type.BOOLEAN, true, Importance.LOW, "Copy topic configs to remote topics.")
            .define(SYNC_TOPIC_CONFIGS_INTERVAL, Type.LONG, 600L, Importance.LOW, "How often topic configs are copied.")
            .define(SYNC_TOPIC_ACLS_ENABLED, Type.BOOLEAN, true, Importance.LOW,
                    "Copy topic ACLs (no effect: Sluice has no ACLs yet).")
            .define(CONFIG_PROPERTIES_EXCLUDE, Type.LIST, CONFIG_PROPERTIES_EXCLUDE_DEFAULT, Importance.LOW,
                    "Regexes of topic configs not to copy.")
            .define(REFRESH_TOPICS_ENABLED, Type.BOOLEAN, true, Importance.LOW, "Look for new topics and partitions.")
            .define(REFRESH_TOPICS_INTERVAL, Type.LONG, 600L, Importance.LOW, "How often to look for new topics.")
            .define(REFRESH_GROUPS_ENABLED, Type.BOOLEAN, true, Importance.LOW, "Look for new consumer groups.")
            .define(REFRESH_GROUPS_INTERVAL, Type.LONG, 600L, Importance.LOW, "How often to look for new groups.")
            .define(EMIT_CHECKPOINTS_ENABLED, Type.BOOLEAN, true, Importance.LOW, "Emit consumer group checkpoints.")
            .define(EMIT_CHECKPOINTS_INTERVAL, Type.LONG, 60L, Importance.LOW, "How often checkpoints are emitted.")
            .define(SYNC_GROUP_OFFSETS_ENABLED, Type.BOOLEAN, false, Importance.LOW,
                    "Write translated offsets of groups not active on the target into the target's group.")
            .define(SYNC_GROUP_OFFSETS_INTERVAL, Type.LONG, 60L, Importance.LOW, "How often group offsets are written.")
            .define(EMIT_HEARTBEATS_ENABLED, Type.BOOLEAN, true, Importance.LOW, "Emit heartbeats.")
            .define(EMIT_HEARTBEATS_INTERVAL, Type.LONG, 1L, Importance.LOW, "How often heartbeats are emitted.")
            .define(OFFSET_LAG_MAX, Type.LONG, 100L, Importance.LOW,
                    "Accepted for MM2 compatibility; Sluice writes a sync whenever the offset mapping changes, "
                            + "so translation is exact whatever this says.");

    public MirrorConnectorConfig(Map<String, String> props) {
        super(CONFIG, props, false);
    }

    public String sourceAlias() {
        return getString(SOURCE_CLUSTER_ALIAS);
    }

    public String targetAlias() {
        return getString(TARGET_CLUSTER_ALIAS);
    }

    /** The configured policy, configured as MM2 configures it (separator, source alias for the identity policy). */
    public ReplicationPolicy replicationPolicy() {
        Object policy = Utils.newInstance(getClass(REPLICATION_POLICY_CLASS));
        if (!(policy instanceof ReplicationPolicy replicationPolicy)) {
            throw new ConfigException(REPLICATION_POLICY_CLASS, getClass(REPLICATION_POLICY_CLASS).getName(),
                    "not a " + ReplicationPolicy.class.getName());
        }
        if (replicationPolicy instanceof org.apache.kafka.common.Configurable configurable) {
            Map<String, Object> settings = new HashMap<>(originals());
            settings.put(REPLICATION_POLICY_SEPARATOR, getString(REPLICATION_POLICY_SEPARATOR));
            settings.put(IdentityReplicationPolicy.SOURCE_CLUSTER_ALIAS_CONFIG, sourceAlias());
            configurable.configure(settings);
        }
        return replicationPolicy;
    }

    /**
     * The offset-syncs topic: on the target, named after the source as MM2 names it for
     * {@code offset-syncs.topic.location = target} (KIP-716), so flows from several sources never share one.
     */
    public String offsetSyncsTopic(ReplicationPolicy policy) {
        return policy.offsetSyncsTopic(sourceAlias());
    }

    /** The identity policy cannot see cycles in topic names, so records carry their origin cluster in a header. */
    public boolean marksOrigin() {
        return getClass(REPLICATION_POLICY_CLASS).equals(IdentityReplicationPolicy.class)
                || IdentityReplicationPolicy.class.isAssignableFrom(getClass(REPLICATION_POLICY_CLASS));
    }

    public TopicFilter topicFilter() {
        return new TopicFilter(getList(TOPICS), getList(TOPICS_EXCLUDE));
    }

    public TopicFilter groupFilter() {
        return new TopicFilter(getList(GROUPS), getList(GROUPS_EXCLUDE));
    }

    public Duration seconds(String key) {
        return Duration.ofSeconds(Math.max(1, getLong(key)));
    }

    public Map<String, Object> sourceAdmin() {
        return client(SOURCE_CLUSTER_PREFIX, "admin.");
    }

    public Map<String, Object> targetAdmin() {
        return client(TARGET_CLUSTER_PREFIX, "admin.");
    }

    /** A byte-array consumer of the source reading committed records only, committing nothing. */
    public Map<String, Object> sourceConsumer() {
        return consumer(SOURCE_CLUSTER_PREFIX);
    }

    public Map<String, Object> targetConsumer() {
        return consumer(TARGET_CLUSTER_PREFIX);
    }

    private Map<String, Object> consumer(String cluster) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.putAll(client(cluster, "consumer."));
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return settings;
    }

    /** {@code <cluster>*} minus other clients' keys, then {@code <cluster><client>*}. */
    private Map<String, Object> client(String cluster, String client) {
        Map<String, Object> settings = new HashMap<>();
        originalsWithPrefix(cluster).forEach((key, value) -> {
            if (!key.startsWith("consumer.") && !key.startsWith("producer.") && !key.startsWith("admin.")
                    && !key.equals("alias")) {
                settings.put(key, value);
            }
        });
        settings.putAll(originalsWithPrefix(cluster + client));
        if (!settings.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new ConfigException(cluster + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, null,
                    "the mirror needs the bootstrap servers of both clusters");
        }
        return settings;
    }
}
