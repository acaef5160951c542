package io.sluice.broker;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.broker.network.ApiRouter;
import io.sluice.broker.api.ApiVersionsHandler;
import io.sluice.broker.api.ConfigApis;
import io.sluice.broker.api.DescribeLogDirsHandler;
import io.sluice.broker.api.DeleteRecordsHandler;
import io.sluice.broker.api.DescribeClusterHandler;
import io.sluice.broker.api.FetchHandler;
import io.sluice.broker.api.fetch.FetchSessionCache;
import io.sluice.broker.api.fetch.FetchSessions;
import io.sluice.broker.delay.DelayedOperations;
import io.sluice.broker.api.InitProducerIdHandler;
import io.sluice.broker.api.ListOffsetsHandler;
import io.sluice.broker.api.ElectLeadersHandler;
import io.sluice.broker.api.FindCoordinatorHandler;
import io.sluice.broker.api.group.GroupApis;
import io.sluice.broker.api.group.TxnOffsetCommitHandler;
import io.sluice.broker.api.MetadataHandler;
import io.sluice.broker.api.OffsetForLeaderEpochHandler;
import io.sluice.broker.api.ProduceHandler;
import io.sluice.broker.api.ReassignmentApis;
import io.sluice.broker.api.TopicAdminApis;
import io.sluice.broker.api.txn.TransactionApis;
import io.sluice.broker.api.txn.WriteTxnMarkersHandler;
import io.sluice.broker.cluster.ClusterStore;
import io.sluice.broker.cluster.ClusterView;
import io.sluice.broker.cluster.Controller;
import io.sluice.broker.replication.ReplicaManager;
import io.sluice.broker.cluster.EmbeddedZooKeeper;
import io.sluice.broker.cluster.ProducerIdBlocks;
import io.sluice.broker.cluster.TopicRegistry;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.broker.config.DynamicConfigStore;
import io.sluice.broker.log.LogManager;
import io.sluice.broker.log.PartitionLog;
import io.sluice.broker.network.KafkaServer;
import io.sluice.broker.cluster.TopicDeletions;
import io.sluice.broker.cluster.TopicInfo;
import io.sluice.broker.group.GroupConfig;
import io.sluice.broker.group.GroupCoordinator;
import io.sluice.broker.group.TopicIdResolver;
import io.sluice.broker.txn.TransactionSystem;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.internals.Topic;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** One Sluice broker: wires storage, cluster metadata, the APIs and the listener, and shuts them down in order. */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    private final List<AutoCloseable> closeInReverse = new ArrayList<>();
    private InetSocketAddress boundAddress;
    private Node localNode;
    private String clusterId;
    private EmbeddedZooKeeper embeddedZooKeeper;
    private TopicRegistry topics;
    private ClusterStore store;
    private Controller controller;
    private ReplicaManager replicaManager;
    private FetchSessions fetchSessions;
    private volatile boolean halted;
    private ClusterView clusterView;

    private Broker(BrokerConfig config) {
        this.config = config;
    }

    public static Broker start(BrokerConfig config) {
        Broker broker = new Broker(config);
        try {
            broker.startUp();
            return broker;
        } catch (Exception e) {
            broker.close();
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("Broker failed to start: " + e.getMessage(), e);
        }
    }

    private void startUp() throws Exception {
        long began = System.currentTimeMillis();
        String zkConnect = config.zookeeperConnect();
        if (zkConnect == null || zkConnect.isBlank()) {
            embeddedZooKeeper = EmbeddedZooKeeper.start(config.logDirs().get(0).resolve("zookeeper"), 0);
            closeInReverse.add(embeddedZooKeeper);
            zkConnect = embeddedZooKeeper.connectString();
        }
        store = new ClusterStore(zkConnect, config.getInt(BrokerConfig.ZOOKEEPER_SESSION_TIMEOUT_MS),
                config.zookeeperConnectionTimeoutMs());
        closeInReverse.add(store);
        store.start();
        clusterId = store.clusterId(config.getString(BrokerConfig.CLUSTER_ID));

        LogManager logs = new LogManager(config.logDirs(), org.apache.kafka.common.utils.Time.SYSTEM,
                config.getLong(BrokerConfig.PRODUCER_ID_EXPIRATION_MS),
                io.sluice.broker.log.CleanerConfig.from(config));
        closeInReverse.add(logs);
        topics = new TopicRegistry(store, logs, config);
        // Before the logs open, so that they start with the dynamic topic defaults.
        DynamicConfigStore dynamicConfigs = new DynamicConfigStore(store.curator(), config, topics::reapplyLogConfigs);
        closeInReverse.add(dynamicConfigs);
        dynamicConfigs.start();
        topics.load();
        logs.startBackgroundTasks(config.getLong(BrokerConfig.LOG_RETENTION_CHECK_INTERVAL_MS),
                config.getLong(BrokerConfig.LOG_CLEANER_BACKOFF_MS), 60_000L,
                config.getLong(BrokerConfig.LOG_FLUSH_SCHEDULER_INTERVAL_MS));

        ExecutorService requestPool = requestPool(config.getInt(BrokerConfig.NUM_IO_THREADS));
        closeInReverse.add(() -> {
            requestPool.shutdown();
            requestPool.awaitTermination(5, TimeUnit.SECONDS);
        });
        DelayedOperations delayedFetches = new DelayedOperations(requestPool);
        closeInReverse.add(delayedFetches);

        Listener listener = Listener.parse(config.listeners().get(0));
        Listener advertised = Listener.parse(config.advertisedListeners().get(0));
        ApiRouter router = new ApiRouter();
        KafkaServer server = new KafkaServer(config.getInt(BrokerConfig.NUM_NETWORK_THREADS))
                .socketBuffers(config.getInt(BrokerConfig.SOCKET_SEND_BUFFER_BYTES),
                        config.getInt(BrokerConfig.SOCKET_RECEIVE_BUFFER_BYTES));
        boundAddress = server.start(listener.host(), listener.port(),
                config.getInt(BrokerConfig.SOCKET_REQUEST_MAX_BYTES), router, requestPool);
        // Closed first of all (last added): no new requests while the rest shuts down.
        String advertisedHost = advertised.host().isEmpty() || advertised.host().equals("0.0.0.0")
                ? InetAddress.getLocalHost().getCanonicalHostName() : advertised.host();
        int advertisedPort = advertised.port() == 0 || advertised.equals(listener) ? boundAddress.getPort() : advertised.port();
        localNode = new Node(config.brokerId(), advertisedHost, advertisedPort, config.getString(BrokerConfig.BROKER_RACK));
        ClusterView cluster = new ClusterView(store, clusterId, localNode);
        clusterView = cluster;
        closeInReverse.add(cluster);

        ProducerIdBlocks producerIds = new ProducerIdBlocks(store.curator());
        store.registerBroker(new ClusterStore.BrokerRegistration(config.brokerId(), advertisedHost, advertisedPort,
                        config.getString(BrokerConfig.BROKER_RACK)),
                embeddedZooKeeper != null);
        replicaManager = new ReplicaManager(config, store, topics, delayedFetches, requestPool,
                id -> cluster.liveNodes().stream().filter(n -> n.id() == id).findFirst());
        closeInReverse.add(replicaManager);
        replicaManager.start();
        controller = new Controller(store, config);
        closeInReverse.add(controller);
        controller.start();
        topics.leadersFrom(tp -> replicaManager.state(tp).map(io.sluice.broker.cluster.PartitionState::leader));
        TopicDeletions deletions = new TopicDeletions(store, topics, config.brokerId(), replicaManager::stopTopic);
        closeInReverse.add(deletions);
        deletions.start();

        fetchSessions = new FetchSessions(new FetchSessionCache(
                config.getInt(BrokerConfig.MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS),
                FetchSessionCache.DEFAULT_MIN_EVICTION_AGE_MS), System::currentTimeMillis);
        router.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(router))
                .register(ApiKeys.METADATA, new MetadataHandler(cluster, topics, config, replicaManager,
                        controller::activeControllerId))
                .register(ApiKeys.PRODUCE, new ProduceHandler(topics, replicaManager))
                .register(ApiKeys.FETCH, new FetchHandler(topics, delayedFetches, replicaManager, fetchSessions))
                .register(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(topics, replicaManager))
                .register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetForLeaderEpochHandler(topics, replicaManager))
                .register(ApiKeys.ELECT_LEADERS, new ElectLeadersHandler(topics, replicaManager, cluster, store))
                .register(ApiKeys.DELETE_RECORDS, new DeleteRecordsHandler(topics))
                .register(ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterHandler(cluster));
        new TopicAdminApis(topics, config).registerApis(router);
        GroupCoordinator groups = startGroupCoordinator(topics);
        GroupApis.register(router, groups);
        TransactionSystem transactions = TransactionSystem.start(config, topics, groups, replicaManager,
                id -> cluster.liveNodes().stream().filter(n -> n.id() == id).findFirst(),
                embeddedZooKeeper != null, producerIds, Clock.systemUTC());
        closeInReverse.add(transactions);
        TransactionApis transactionApis = new TransactionApis(transactions.coordinator(), topics,
                new InitProducerIdHandler(producerIds), groups::partitionFor);
        transactionApis.register(router, new TxnOffsetCommitHandler(groups));
        transactionApis.registerDescribeProducers(router, tp -> topics.log(tp).map(PartitionLog::producerState));
        router.register(ApiKeys.WRITE_TXN_MARKERS, new WriteTxnMarkersHandler(transactions.markers()));
        router.register(ApiKeys.FIND_COORDINATOR, new FindCoordinatorHandler(groupId -> {
            // Created on first use when too few brokers were live at start for its replication factor.
            ensureOffsetsTopic();
            return groups.coordinatorNode(groupId);
        }, transactions::coordinatorNode));
        new ConfigApis(topics, config, dynamicConfigs).registerApis(router);
        new DescribeLogDirsHandler(logs, config.logDirs()).registerApis(router);
        new ReassignmentApis(topics, store).registerApis(router);

        awaitLocalLeaders(10_000);
        closeInReverse.add(server);
        server.openForClients();
        log.info("Sluice broker {} started in {} ms: cluster {}, listening on {}:{}, data in {}", config.brokerId(),
                System.currentTimeMillis() - began, clusterId, advertisedHost, advertisedPort, config.logDirs());
    }

    /** A hosted partition's log, for in-process tools and tests (the transaction coordinator writes markers the same way). */
    public java.util.Optional<io.sluice.broker.log.PartitionLog> partitionLog(TopicPartition tp) {
        return topics == null ? java.util.Optional.empty() : topics.log(tp);
    }

    /**
     * Creates {@code __consumer_offsets} with {@code offsets.topic.replication.factor} replicas once
     * that many brokers are live (at start, or on the first FindCoordinator after), as Kafka does.
     */
    private void ensureOffsetsTopic() {
        topics.ensureInternalTopic(Topic.GROUP_METADATA_TOPIC_NAME, config.getInt(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS),
                config.getShort(BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR),
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(config.getInt(BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES))),
                embeddedZooKeeper != null);
    }

    private GroupCoordinator startGroupCoordinator(TopicRegistry topics) {
        GroupConfig groupConfig = GroupConfig.from(config);
        ensureOffsetsTopic();
        TopicIdResolver ids = new TopicIdResolver() {
            @Override
            public String name(Uuid topicId) {
                return topics.get(topicId).map(TopicInfo::name).orElse(null);
            }

            @Override
            public Uuid id(String topicName) {
                return topics.get(topicName).map(TopicInfo::id).orElse(Uuid.ZERO_UUID);
            }

            @Override
            public int partitionCount(String topicName) {
                return topics.get(topicName).map(TopicInfo::partitionCount).orElse(-1);
            }
        };
        GroupCoordinator groups = new GroupCoordinator(groupConfig,
                p -> topics.log(new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME, p)).orElseThrow(),
                replicaManager.replicatedAppender(groupConfig.offsetsCommitTimeoutMs()),
                () -> localNode, Clock.systemUTC(), ids);
        closeInReverse.add(groups);
        groups.followLeadership(p -> replicaManager.state(new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME, p))
                .flatMap(s -> clusterView.liveNodes().stream().filter(n -> n.id() == s.leader()).findFirst()),
                p -> replicaManager.leaderEpoch(new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME, p))
                        .map(java.util.OptionalInt::of).orElse(java.util.OptionalInt.empty()));
        groups.start();
        replicaManager.addLeadershipListener((tp, leader) -> {
            if (tp.topic().equals(Topic.GROUP_METADATA_TOPIC_NAME)) {
                groups.onLeadershipChange(tp.partition());
            }
        });
        return groups;
    }

    private static ExecutorService requestPool(int threads) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("sluice-request", true));
    }

    record Listener(String name, String host, int port) {
        static Listener parse(String spec) {
            URI uri = URI.create(spec.trim());
            if (uri.getScheme() == null || uri.getPort() < 0) {
                throw new org.apache.kafka.common.config.ConfigException("listeners", spec,
                        "expected NAME://host:port, e.g. PLAINTEXT://127.0.0.1:9092");
            }
            return new Listener(uri.getScheme(), uri.getHost() == null ? "" : uri.getHost(), uri.getPort());
        }
    }

    /** This broker's replicas (tests and chaos tools). */
    public ReplicaManager replicaManager() {
        return replicaManager;
    }

    /** This broker's fetch sessions (tests read how many incremental fetches it served). */
    public FetchSessions fetchSessions() {
        return fetchSessions;
    }

    /** This broker's ZooKeeper client (tests and chaos tools inject session expiry through it). */
    public org.apache.curator.framework.CuratorFramework zooKeeper() {
        return store.curator();
    }

    public int port() {
        return boundAddress.getPort();
    }

    public String bootstrapServers() {
        return localNode.host() + ":" + localNode.port();
    }

    public String clusterId() {
        return clusterId;
    }

    public BrokerConfig config() {
        return config;
    }

    /** Waits (bounded) until every partition that has this broker as a replica has a known leader. */
    private void awaitLocalLeaders(long timeoutMs) {
        for (TopicInfo topic : topics.all()) {
            if (!replicaManager.awaitLeaders(topic.name(), topic.partitionCount(), timeoutMs)) {
                log.warn("Broker {}: partitions of {} have no leader yet", config.brokerId(), topic.name());
            }
        }
    }

    /**
     * Stops as a crash would, as far as the rest of the cluster can tell: no controlled shutdown and no
     * final high-watermark checkpoint; the ZooKeeper session ends with the process.
     */
    public synchronized void halt() {
        halted = true;
        if (replicaManager != null) {
            replicaManager.halt();
        }
        close();
    }

    /**
     * Controlled shutdown: give up the controller role and the broker registration, so that the
     * controller moves this broker's leaderships to other ISR members, and wait (bounded) for that.
     */
    private void controlledShutdown() {
        if (halted || replicaManager == null || controller == null
                || !config.getBoolean(BrokerConfig.CONTROLLED_SHUTDOWN_ENABLE)) {
            return;
        }
        try {
            controller.resign();
            store.deregisterBroker(config.brokerId());
            long deadline = System.currentTimeMillis() + config.getLong(BrokerConfig.CONTROLLED_SHUTDOWN_TIMEOUT_MS);
            while (replicaManager.transferableLeaderships() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            int left = replicaManager.transferableLeaderships();
            if (left > 0) {
                log.warn("Broker {}: {} leaderships did not move away before shutdown", config.brokerId(), left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("Broker {}: controlled shutdown failed; shutting down anyway", config.brokerId(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (!closeInReverse.isEmpty()) {
            controlledShutdown();
        }
        for (int i = closeInReverse.size() - 1; i >= 0; i--) {
            try {
                closeInReverse.get(i).close();
            } catch (Exception e) {
                log.warn("Error while shutting down {}", closeInReverse.get(i), e);
            }
        }
        closeInReverse.clear();
        log.info("Sluice broker {} stopped", config.brokerId());
    }
}
