package io.sluice.broker.config;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Broker settings under Apache Kafka's names. Unknown keys are rejected at start-up, naming the key,
 * because a misspelt setting that is silently ignored is worse than a broker that refuses to start.
 */
public final class BrokerConfig extends AbstractConfig {
    private static final Logger log = LoggerFactory.getLogger(BrokerConfig.class);
    public static final String BROKER_ID = "broker.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String ZOOKEEPER_CONNECT = "zookeeper.connect";
    public static final String ZOOKEEPER_SESSION_TIMEOUT_MS = "zookeeper.session.timeout.ms";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String LOG_SEGMENT_BYTES = "log.segment.bytes";
    public static final String LOG_ROLL_MS = "log.roll.ms";
    public static final String LOG_ROLL_HOURS = "log.roll.hours";
    public static final String LOG_ROLL_JITTER_MS = "log.roll.jitter.ms";
    public static final String LOG_ROLL_JITTER_HOURS = "log.roll.jitter.hours";
    public static final String LOG_RETENTION_MS = "log.retention.ms";
    public static final String LOG_RETENTION_MINUTES = "log.retention.minutes";
    public static final String LOG_RETENTION_HOURS = "log.retention.hours";
    public static final String ZOOKEEPER_CONNECTION_TIMEOUT_MS = "zookeeper.connection.timeout.ms";
    public static final String SOCKET_SEND_BUFFER_BYTES = "socket.send.buffer.bytes";
    public static final String SOCKET_RECEIVE_BUFFER_BYTES = "socket.receive.buffer.bytes";
    public static final String NUM_RECOVERY_THREADS_PER_DATA_DIR = "num.recovery.threads.per.data.dir";
    public static final String LOG_CLEANER_THREADS = "log.cleaner.threads";
    public static final String LOG_CLEANER_MIN_CLEANABLE_RATIO = "log.cleaner.min.cleanable.ratio";
    public static final String LOG_CLEANER_MAX_COMPACTION_LAG_MS = "log.cleaner.max.compaction.lag.ms";
    public static final String LOG_CLEANER_DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";
    public static final String LOG_SEGMENT_DELETE_DELAY_MS = "log.segment.delete.delay.ms";
    public static final String LOG_FLUSH_INTERVAL_MS = "log.flush.interval.ms";
    public static final String LOG_PREALLOCATE = "log.preallocate";
    public static final String LOG_MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "log.message.timestamp.before.max.ms";
    public static final String LOG_MESSAGE_TIMESTAMP_AFTER_MAX_MS = "log.message.timestamp.after.max.ms";
    public static final String LOG_MESSAGE_DOWNCONVERSION_ENABLE = "log.message.downconversion.enable";
    public static final String LOG_LOCAL_RETENTION_MS = "log.local.retention.ms";
    public static final String LOG_LOCAL_RETENTION_BYTES = "log.local.retention.bytes";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";
    public static final String COMPRESSION_LZ4_LEVEL = "compression.lz4.level";
    public static final String COMPRESSION_ZSTD_LEVEL = "compression.zstd.level";
    public static final String LOG_RETENTION_BYTES = "log.retention.bytes";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String LOG_INDEX_INTERVAL_BYTES = "log.index.interval.bytes";
    public static final String LOG_INDEX_SIZE_MAX_BYTES = "log.index.size.max.bytes";
    public static final String LOG_CLEANUP_POLICY = "log.cleanup.policy";
    public static final String LOG_CLEANER_DELETE_RETENTION_MS = "log.cleaner.delete.retention.ms";
    public static final String LOG_CLEANER_MIN_COMPACTION_LAG_MS = "log.cleaner.min.compaction.lag.ms";
    public static final String LOG_CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String LOG_CLEANER_ENABLE = "log.cleaner.enable";
    public static final String LOG_CLEANER_IO_BUFFER_SIZE = "log.cleaner.io.buffer.size";
    public static final String LOG_CLEANER_IO_BUFFER_LOAD_FACTOR = "log.cleaner.io.buffer.load.factor";
    public static final String LOG_CLEANER_IO_MAX_BYTES_PER_SECOND = "log.cleaner.io.max.bytes.per.second";
    public static final String LOG_FLUSH_INTERVAL_MESSAGES = "log.flush.interval.messages";
    public static final String LOG_MESSAGE_TIMESTAMP_TYPE = "log.message.timestamp.type";
    public static final String LOG_MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS = "log.message.timestamp.difference.max.ms";
    public static final String LOG_FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";
    public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSETS_COMMIT_TIMEOUT_MS = "offsets.commit.timeout.ms";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_MAX_SIZE = "group.max.size";
    public static final String CLUSTER_ID = "cluster.id";
    public static final String TRANSACTION_STATE_LOG_NUM_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String TRANSACTION_STATE_LOG_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    public static final String TRANSACTION_STATE_LOG_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String TRANSACTION_STATE_LOG_MIN_ISR = "transaction.state.log.min.isr";
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    public static final String TRANSACTION_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS =
            "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String TRANSACTIONAL_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS =
            "transaction.remove.expired.transaction.cleanup.interval.ms";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String BROKER_RACK = "broker.rack";
    public static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String REPLICA_FETCH_WAIT_MAX_MS = "replica.fetch.wait.max.ms";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String REPLICA_SELECTOR_CLASS = "replica.selector.class";
    public static final String MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS = "max.incremental.fetch.session.cache.slots";
    public static final String CONTROLLED_SHUTDOWN_ENABLE = "controlled.shutdown.enable";
    public static final String CONTROLLED_SHUTDOWN_TIMEOUT_MS = "controlled.shutdown.timeout.ms";

    private static final ConfigDef DEFINITION = new ConfigDef()
            .define(BROKER_ID, Type.INT, 0, Range.atLeast(0), Importance.HIGH, "This broker's id in the cluster.")
            .define(LISTENERS, Type.LIST, "PLAINTEXT://127.0.0.1:9092", Importance.HIGH,
                    "Listeners to bind, e.g. PLAINTEXT://0.0.0.0:9092; port 0 picks a free port.")
            .define(ADVERTISED_LISTENERS, Type.LIST, null, Importance.HIGH,
                    "Listeners given to clients in metadata; defaults to listeners.")
            .define(LOG_DIRS, Type.LIST, null, Importance.HIGH, "Directories holding partition logs.")
            .define(LOG_DIR, Type.STRING, "./data", Importance.HIGH, "Log directory used when log.dirs is unset.")
            .define(ZOOKEEPER_CONNECT, Type.STRING, null, Importance.HIGH,
                    "ZooKeeper connect string, optional chroot; unset starts an embedded ZooKeeper.")
            .define(ZOOKEEPER_SESSION_TIMEOUT_MS, Type.INT, 18000, Range.atLeast(1000), Importance.MEDIUM,
                    "ZooKeeper session timeout.")
            .define(NUM_PARTITIONS, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                    "Partitions of an auto-created topic.")
            .define(DEFAULT_REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.atLeast(1), Importance.MEDIUM,
                    "Replication factor of an auto-created topic.")
            .define(AUTO_CREATE_TOPICS_ENABLE, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Create a topic on Metadata requests for an unknown topic.")
            .define(DELETE_TOPIC_ENABLE, Type.BOOLEAN, true, Importance.LOW, "Allow DeleteTopics.")
            .define(LOG_SEGMENT_BYTES, Type.INT, 1024 * 1024 * 1024, Range.atLeast(1024), Importance.HIGH,
                    "Roll a segment at this size.")
            .define(LOG_ROLL_MS, Type.LONG, null, Importance.MEDIUM,
                    "Roll a segment when its first record is this old; unset: log.roll.hours.")
            .define(LOG_ROLL_HOURS, Type.INT, 168, Range.atLeast(1), Importance.HIGH,
                    "Roll a segment when its first record is this many hours old (log.roll.ms wins when set).")
            .define(LOG_ROLL_JITTER_MS, Type.LONG, null, Importance.MEDIUM,
                    "Most random time subtracted from the roll time of a segment; unset: log.roll.jitter.hours.")
            .define(LOG_ROLL_JITTER_HOURS, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                    "log.roll.jitter.ms in hours (log.roll.jitter.ms wins when set).")
            .define(LOG_RETENTION_MS, Type.LONG, null, Importance.HIGH,
                    "Delete segments older than this; -1 keeps them forever. Unset: log.retention.minutes.")
            .define(LOG_RETENTION_MINUTES, Type.INT, null, Importance.HIGH,
                    "log.retention.ms in minutes (log.retention.ms wins when set); unset: log.retention.hours.")
            .define(LOG_RETENTION_HOURS, Type.INT, 168, Importance.HIGH,
                    "log.retention.ms in hours (log.retention.minutes and log.retention.ms win when set).")
            .define(LOG_CLEANER_THREADS, Type.INT, 1, Range.atLeast(0), Importance.MEDIUM,
                    "Threads compacting logs.")
            .define(LOG_CLEANER_MIN_CLEANABLE_RATIO, Type.DOUBLE, 0.5, Range.between(0, 1), Importance.MEDIUM,
                    "Default min.cleanable.dirty.ratio of topics.")
            .define(LOG_CLEANER_MAX_COMPACTION_LAG_MS, Type.LONG, Long.MAX_VALUE, Range.atLeast(1), Importance.MEDIUM,
                    "Default max.compaction.lag.ms of topics.")
            .define(LOG_CLEANER_DEDUPE_BUFFER_SIZE, Type.LONG, 128L * 1024 * 1024, Importance.MEDIUM,
                    "Memory for the cleaner's offset map, over all cleaner threads.")
            .define(LOG_SEGMENT_DELETE_DELAY_MS, Type.LONG, 60_000L, Range.atLeast(0), Importance.HIGH,
                    "Default file.delete.delay.ms of topics.")
            .define(LOG_FLUSH_INTERVAL_MS, Type.LONG, null, Importance.HIGH,
                    "Default flush.ms of topics; unset: never force a flush by time.")
            .define(LOG_PREALLOCATE, Type.BOOLEAN, false, Importance.MEDIUM, "Default preallocate of topics.")
            .define(LOG_MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Type.LONG, Long.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                    "Default message.timestamp.before.max.ms of topics.")
            .define(LOG_MESSAGE_TIMESTAMP_AFTER_MAX_MS, Type.LONG, Long.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                    "Default message.timestamp.after.max.ms of topics.")
            .define(LOG_MESSAGE_DOWNCONVERSION_ENABLE, Type.BOOLEAN, true, Importance.LOW,
                    "Default message.downconversion.enable of topics.")
            .define(LOG_LOCAL_RETENTION_MS, Type.LONG, -2L, Range.atLeast(-2), Importance.MEDIUM,
                    "Default local.retention.ms of topics (tiered storage; no effect in Sluice).")
            .define(LOG_LOCAL_RETENTION_BYTES, Type.LONG, -2L, Range.atLeast(-2), Importance.MEDIUM,
                    "Default local.retention.bytes of topics (tiered storage; no effect in Sluice).")
            .define(COMPRESSION_TYPE, Type.STRING, "producer",
                    ValidString.in("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"), Importance.HIGH,
                    "Default compression.type of topics.")
            .define(COMPRESSION_GZIP_LEVEL, Type.INT, -1, Range.between(-1, 9), Importance.MEDIUM,
                    "Default compression.gzip.level of topics.")
            .define(COMPRESSION_LZ4_LEVEL, Type.INT, 9, Range.between(1, 17), Importance.MEDIUM,
                    "Default compression.lz4.level of topics.")
            .define(COMPRESSION_ZSTD_LEVEL, Type.INT, 3, Range.between(-131072, 22), Importance.MEDIUM,
                    "Default compression.zstd.level of topics.")
            .define(SOCKET_SEND_BUFFER_BYTES, Type.INT, 102_400, Importance.HIGH,
                    "SO_SNDBUF of client connections; -1: the operating system's default.")
            .define(SOCKET_RECEIVE_BUFFER_BYTES, Type.INT, 102_400, Importance.HIGH,
                    "SO_RCVBUF of client connections; -1: the operating system's default.")
            .define(NUM_RECOVERY_THREADS_PER_DATA_DIR, Type.INT, 1, Range.atLeast(1), Importance.HIGH,
                    "Threads per log dir opening (and, after an unclean shutdown, recovering) logs at start-up.")
            .define(ZOOKEEPER_CONNECTION_TIMEOUT_MS, Type.INT, null, Importance.HIGH,
                    "How long to wait for the ZooKeeper connection; unset: zookeeper.session.timeout.ms.")
            .define(LOG_RETENTION_BYTES, Type.LONG, -1L, Range.atLeast(-1), Importance.HIGH,
                    "Delete old segments while a partition is larger than this; -1 means no limit.")
            .define(LOG_RETENTION_CHECK_INTERVAL_MS, Type.LONG, 300_000L, Range.atLeast(1), Importance.MEDIUM,
                    "How often retention and compaction run.")
            .define(LOG_INDEX_INTERVAL_BYTES, Type.INT, 4096, Range.atLeast(0), Importance.MEDIUM,
                    "Bytes between offset-index entries.")
            .define(LOG_INDEX_SIZE_MAX_BYTES, Type.INT, 10 * 1024 * 1024, Range.atLeast(8), Importance.MEDIUM,
                    "Maximum size of an offset or time index file.")
            .define(LOG_CLEANUP_POLICY, Type.LIST, "delete", ConfigDef.ValidList.in("delete", "compact"),
                    Importance.MEDIUM, "delete, compact, or both.")
            .define(LOG_CLEANER_DELETE_RETENTION_MS, Type.LONG, 86_400_000L, Range.atLeast(0), Importance.MEDIUM,
                    "How long tombstones are kept after compaction.")
            .define(LOG_CLEANER_MIN_COMPACTION_LAG_MS, Type.LONG, 0L, Range.atLeast(0), Importance.LOW,
                    "Minimum age of a record before it may be compacted.")
            .define(LOG_CLEANER_BACKOFF_MS, Type.LONG, 15_000L, Range.atLeast(0), Importance.LOW,
                    "Pause between compaction passes.")
            .define(LOG_CLEANER_ENABLE, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Run the log cleaner (compaction of cleanup.policy=compact topics).")
            .define(LOG_CLEANER_IO_BUFFER_SIZE, Type.INT, 512 * 1024, Range.atLeast(0), Importance.MEDIUM,
                    "Read and write buffer memory of all cleaner threads together.")
            .define(LOG_CLEANER_IO_BUFFER_LOAD_FACTOR, Type.DOUBLE, 0.9, Range.between(0.01, 1.0), Importance.MEDIUM,
                    "How full a cleaner key map may get before the rest of the log waits for the next pass.")
            .define(LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, Type.DOUBLE, Double.MAX_VALUE, Range.atLeast(1.0),
                    Importance.MEDIUM, "Throttle on the bytes the cleaner reads and writes per second.")
            .define(LOG_FLUSH_INTERVAL_MESSAGES, Type.LONG, Long.MAX_VALUE, Range.atLeast(1), Importance.LOW,
                    "fsync after this many messages (default: leave it to the OS, as Kafka does).")
            .define(LOG_MESSAGE_TIMESTAMP_TYPE, Type.STRING, "CreateTime",
                    ValidString.in("CreateTime", "LogAppendTime"), Importance.MEDIUM, "Timestamp type of records.")
            .define(LOG_MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS, Type.LONG, Long.MAX_VALUE, Range.atLeast(0), Importance.LOW,
                    "Deprecated (Kafka 3.x): both bounds at once, where the two above are not set.")
            .define(LOG_FLUSH_SCHEDULER_INTERVAL_MS, Type.LONG, Long.MAX_VALUE, Range.atLeast(1), Importance.LOW,
                    "How often logs are checked against flush.ms.")
            .define(MESSAGE_MAX_BYTES, Type.INT, 1024 * 1024 + 12, Range.atLeast(0), Importance.HIGH,
                    "Largest record batch accepted.")
            .define(SOCKET_REQUEST_MAX_BYTES, Type.INT, 100 * 1024 * 1024, Range.atLeast(1), Importance.HIGH,
                    "Largest request frame accepted; larger frames close the connection.")
            .define(NUM_IO_THREADS, Type.INT, 8, Range.atLeast(1), Importance.MEDIUM, "Request handler threads.")
            .define(NUM_NETWORK_THREADS, Type.INT, 3, Range.atLeast(1), Importance.MEDIUM, "Network threads.")
            .define(OFFSETS_TOPIC_NUM_PARTITIONS, Type.INT, 50, Range.atLeast(1), Importance.HIGH,
                    "Partitions of __consumer_offsets.")
            .define(OFFSETS_TOPIC_REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.atLeast(1), Importance.HIGH,
                    "Replication factor of __consumer_offsets.")
            .define(OFFSETS_TOPIC_SEGMENT_BYTES, Type.INT, 100 * 1024 * 1024, Range.atLeast(1024), Importance.LOW,
                    "Segment size of __consumer_offsets.")
            .define(OFFSETS_RETENTION_MINUTES, Type.INT, 7 * 24 * 60, Range.atLeast(1), Importance.HIGH,
                    "Committed offsets of an empty group expire after this long.")
            .define(OFFSETS_RETENTION_CHECK_INTERVAL_MS, Type.LONG, 600_000L, Range.atLeast(1), Importance.HIGH,
                    "How often expired offsets are removed.")
            .define(OFFSETS_COMMIT_TIMEOUT_MS, Type.INT, 5000, Range.atLeast(1), Importance.HIGH,
                    "How long a group coordinator write (offset commit, group assignment) waits for the in-sync "
                            + "replicas of its __consumer_offsets partition before it fails.")
            .define(GROUP_INITIAL_REBALANCE_DELAY_MS, Type.INT, 3000, Range.atLeast(0), Importance.MEDIUM,
                    "Wait this long for more members before the first rebalance of an empty group.")
            .define(GROUP_MIN_SESSION_TIMEOUT_MS, Type.INT, 6000, Range.atLeast(0), Importance.MEDIUM,
                    "Smallest session timeout a member may ask for.")
            .define(GROUP_MAX_SESSION_TIMEOUT_MS, Type.INT, 1_800_000, Range.atLeast(0), Importance.MEDIUM,
                    "Largest session timeout a member may ask for.")
            .define(GROUP_MAX_SIZE, Type.INT, Integer.MAX_VALUE, Range.atLeast(1), Importance.MEDIUM,
                    "Most members in one group.")
            .define(TRANSACTION_STATE_LOG_NUM_PARTITIONS, Type.INT, 50, Range.atLeast(1), Importance.HIGH,
                    "Partitions of the transaction state topic (__transaction_state); fixed once the topic exists.")
            .define(TRANSACTION_STATE_LOG_REPLICATION_FACTOR, Type.SHORT, (short) 3, Range.atLeast(1), Importance.HIGH,
                    "Replication factor of __transaction_state (capped by the live brokers when it is created).")
            .define(TRANSACTION_STATE_LOG_SEGMENT_BYTES, Type.INT, 100 * 1024 * 1024, Range.atLeast(1024),
                    Importance.LOW, "Segment size of __transaction_state.")
            .define(TRANSACTION_STATE_LOG_MIN_ISR, Type.INT, 2, Range.atLeast(1), Importance.HIGH,
                    "min.insync.replicas of __transaction_state (lowered to its replication factor when that is smaller).")
            .define(REQUEST_TIMEOUT_MS, Type.INT, 30_000, Range.atLeast(1), Importance.MEDIUM,
                    "How long the transaction coordinator waits for its records and markers to be replicated, and"
                            + " for other brokers to answer its requests.")
            .define(TRANSACTION_MAX_TIMEOUT_MS, Type.INT, 900_000, Range.atLeast(1), Importance.HIGH,
                    "Largest transaction.timeout.ms a producer may ask for; larger ones get INVALID_TRANSACTION_TIMEOUT.")
            .define(TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS, Type.INT, 10_000, Range.atLeast(1),
                    Importance.LOW, "How often the coordinator looks for transactions past their timeout to abort.")
            .define(TRANSACTIONAL_ID_EXPIRATION_MS, Type.INT, 604_800_000, Range.atLeast(1), Importance.HIGH,
                    "How long a transactional id with no transaction in progress is kept without any change before"
                            + " the coordinator forgets it (a tombstone in __transaction_state); its next"
                            + " InitProducerId then gets a new producer id.")
            .define(TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS, Type.INT, 3_600_000, Range.atLeast(1),
                    Importance.LOW, "How often the coordinator looks for transactional ids to expire.")
            .define(PRODUCER_ID_EXPIRATION_MS, Type.LONG, 86_400_000L, Range.atLeast(1), Importance.LOW,
                    "How long an idle producer's de-duplication state is kept.")
            .define(BROKER_RACK, Type.STRING, null, Importance.MEDIUM,
                    "Rack of this broker: replicas of a partition are spread over racks.")
            .define(AUTO_LEADER_REBALANCE_ENABLE, Type.BOOLEAN, true, Importance.HIGH,
                    "The controller moves leadership back to each partition's preferred (first) replica when it is in the ISR.")
            .define(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, Type.LONG, 300L, Range.atLeast(1), Importance.MEDIUM,
                    "How often the controller checks for partitions not led by their preferred replica.")
            .define(MIN_INSYNC_REPLICAS, Type.INT, 1, Range.atLeast(1), Importance.HIGH,
                    "Default min.insync.replicas of topics: acks=all produce fails with NOT_ENOUGH_REPLICAS below it.")
            .define(UNCLEAN_LEADER_ELECTION_ENABLE, Type.BOOLEAN, false, Importance.HIGH,
                    "Default for topics: elect a leader outside the ISR (losing data) rather than stay offline.")
            .define(REPLICA_LAG_TIME_MAX_MS, Type.LONG, 30_000L, Range.atLeast(1), Importance.HIGH,
                    "A follower that has not caught up with the leader's log end for this long leaves the ISR.")
            .define(REPLICA_FETCH_WAIT_MAX_MS, Type.INT, 500, Range.atLeast(0), Importance.MEDIUM,
                    "How long a follower's fetch waits at the leader for new data.")
            .define(REPLICA_FETCH_MAX_BYTES, Type.INT, 1024 * 1024, Range.atLeast(0), Importance.MEDIUM,
                    "Bytes a follower fetches per partition and request (at least one batch).")
            .define(REPLICA_SELECTOR_CLASS, Type.CLASS, null, Importance.MEDIUM,
                    "The org.apache.kafka.common.replica.ReplicaSelector that picks the replica a consumer sending "
                            + "client.rack should fetch from (KIP-392), e.g. "
                            + "org.apache.kafka.common.replica.RackAwareReplicaSelector; unset: always the leader.")
            .define(MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS, Type.INT, 1000, Range.atLeast(0), Importance.MEDIUM,
                    "The most incremental fetch sessions (KIP-227) this broker keeps; a fetcher without one sends "
                            + "every partition in every request. 0 turns sessions off.")
            .define(CONTROLLED_SHUTDOWN_ENABLE, Type.BOOLEAN, true, Importance.MEDIUM,
                    "On shutdown, let the controller move this broker's leaderships away first.")
            .define(CONTROLLED_SHUTDOWN_TIMEOUT_MS, Type.LONG, 10_000L, Range.atLeast(0), Importance.LOW,
                    "How long shutdown waits for leaderships to move away.")
            .define(CLUSTER_ID, Type.STRING, null, Importance.LOW,
                    "Cluster id; generated and stored in ZooKeeper on first start when unset.");

    /** The keys defined above: the ones Sluice acts on. Kafka's other keys are added after, with no effect. */
    private static final Set<String> HONOURED = DEFINITION.names().stream()
            // Defined above only as the defaults of topic keys that have no effect either.
            .filter(k -> !Set.of(LOG_MESSAGE_DOWNCONVERSION_ENABLE, LOG_LOCAL_RETENTION_MS, LOG_LOCAL_RETENTION_BYTES)
                    .contains(k))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    static {
        KafkaBrokerConfigs.defineRemaining(DEFINITION);
    }

    /** Dynamic broker configs (from ZooKeeper) layered over the static ones; see {@link #withDynamic}. */
    private volatile DynamicLayer dynamic = DynamicLayer.NONE;

    private BrokerConfig(Map<String, ?> values) {
        super(DEFINITION, values, false);
    }

    /**
     * Validates and builds a config; unknown keys and bad values fail with the key in the message. Keys Kafka
     * defines but Sluice has no use for are accepted, and named once in the log.
     */
    public static BrokerConfig of(Map<String, String> values) {
        Map<String, Object> known = new HashMap<>();
        List<String> noEffect = new ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey();
            if (DEFINITION.names().contains(key)) {
                known.put(key, e.getValue());
                if (!HONOURED.contains(key)) {
                    noEffect.add(key);
                }
            } else if (KafkaBrokerConfigs.isKafkaKey(key)) {
                noEffect.add(key);
            } else {
                throw new ConfigException("Unknown configuration '" + key + "'");
            }
        }
        BrokerConfig config = new BrokerConfig(known);
        if (!noEffect.isEmpty()) {
            Collections.sort(noEffect);
            log.info("Apache Kafka settings accepted, no effect: {}", String.join(", ", noEffect));
        }
        return config;
    }

    /** Whether Sluice acts on this key (the others are Kafka's, accepted for compatibility). */
    public static boolean honours(String key) {
        return HONOURED.contains(key);
    }

    public static ConfigDef definition() {
        return DEFINITION;
    }

    public int brokerId() {
        return getInt(BROKER_ID);
    }

    public List<String> listeners() {
        return getList(LISTENERS);
    }

    public List<String> advertisedListeners() {
        List<String> advertised = getList(ADVERTISED_LISTENERS);
        return advertised == null ? listeners() : advertised;
    }

    public List<Path> logDirs() {
        List<String> dirs = getList(LOG_DIRS);
        if (dirs == null || dirs.isEmpty()) {
            dirs = List.of(getString(LOG_DIR));
        }
        return dirs.stream().map(Path::of).toList();
    }

    public String zookeeperConnect() {
        return getString(ZOOKEEPER_CONNECT);
    }

    public Map<String, Object> allValues() {
        return new HashMap<>(values());
    }

    /** Kafka's precedence: {@code log.retention.ms}, then {@code .minutes}, then {@code .hours}; negative: forever. */
    public long logRetentionMs() {
        Long ms = (Long) current(LOG_RETENTION_MS);
        if (ms == null) {
            Integer minutes = (Integer) current(LOG_RETENTION_MINUTES);
            ms = minutes != null ? minutes * 60_000L : ((Integer) current(LOG_RETENTION_HOURS)) * 3_600_000L;
        }
        return ms < 0 ? -1 : ms;
    }

    /** {@code log.roll.ms}, else {@code log.roll.hours}. */
    public long logRollMs() {
        Long ms = (Long) current(LOG_ROLL_MS);
        return ms != null ? ms : ((Integer) current(LOG_ROLL_HOURS)) * 3_600_000L;
    }

    /** {@code log.roll.jitter.ms}, else {@code log.roll.jitter.hours}. */
    public long logRollJitterMs() {
        Long ms = (Long) current(LOG_ROLL_JITTER_MS);
        return ms != null ? ms : ((Integer) current(LOG_ROLL_JITTER_HOURS)) * 3_600_000L;
    }

    /** {@code log.flush.interval.ms}; unset: never by time. */
    public long logFlushIntervalMs() {
        Long ms = (Long) current(LOG_FLUSH_INTERVAL_MS);
        return ms != null ? ms : Long.MAX_VALUE;
    }

    public int zookeeperConnectionTimeoutMs() {
        Integer ms = getInt(ZOOKEEPER_CONNECTION_TIMEOUT_MS);
        return ms != null ? ms : getInt(ZOOKEEPER_SESSION_TIMEOUT_MS);
    }

    /**
     * A key's value now: a dynamic per-broker value, else the dynamic cluster-wide default, else the static one.
     * Only keys Kafka marks dynamic can have dynamic values.
     */
    public Object current(String key) {
        DynamicLayer layer = dynamic;
        if (layer.perBroker().containsKey(key)) {
            return layer.perBroker().get(key);
        }
        if (layer.clusterDefault().containsKey(key)) {
            return layer.clusterDefault().get(key);
        }
        return values().get(key);
    }

    /** Replaces the dynamic layer; each map must have been checked with {@link #parseDynamic}. */
    public void withDynamic(Map<String, String> perBroker, Map<String, String> clusterDefault) {
        dynamic = new DynamicLayer(parseDynamic(perBroker), parseDynamic(clusterDefault),
                Map.copyOf(perBroker), Map.copyOf(clusterDefault));
    }

    public Map<String, String> dynamicPerBroker() {
        return dynamic.rawPerBroker();
    }

    public Map<String, String> dynamicClusterDefault() {
        return dynamic.rawClusterDefault();
    }

    /**
     * Parses and validates dynamic broker settings; read-only (static) and unknown keys are refused as Kafka
     * refuses them.
     */
    public static Map<String, Object> parseDynamic(Map<String, String> values) {
        List<String> readOnly = values.keySet().stream()
                .filter(k -> DEFINITION.names().contains(k) && !KafkaBrokerConfigs.isDynamic(k)).sorted().toList();
        if (!readOnly.isEmpty()) {
            throw new InvalidRequestException("Cannot update these configs dynamically: " + readOnly);
        }
        Map<String, Object> parsed = new HashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            ConfigDef.ConfigKey key = DEFINITION.configKeys().get(e.getKey());
            if (key == null) {
                throw new ConfigException("Unknown broker config '" + e.getKey() + "'");
            }
            Object value = ConfigDef.parseType(e.getKey(), e.getValue(), key.type);
            if (key.validator != null) {
                key.validator.ensureValid(e.getKey(), value);
            }
            parsed.put(e.getKey(), value);
        }
        return parsed;
    }

    private record DynamicLayer(Map<String, Object> perBroker, Map<String, Object> clusterDefault,
                                Map<String, String> rawPerBroker, Map<String, String> rawClusterDefault) {
        static final DynamicLayer NONE = new DynamicLayer(Map.of(), Map.of(), Map.of(), Map.of());
    }

    /** Values of broker settings, in the form DescribeConfigs reports them. */
    public Map<String, String> describe() {
        Map<String, String> out = new java.util.TreeMap<>();
        values().forEach((k, v) -> out.put(k, v == null ? null : ConfigDef.convertToString(v, DEFINITION.configKeys().get(k).type)));
        return out;
    }

    public boolean isDefault(String key) {
        return !originals().containsKey(key);
    }
}
