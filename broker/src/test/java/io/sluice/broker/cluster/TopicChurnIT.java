package io.sluice.broker.cluster;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.LogCapture;
import io.sluice.testkit.TestBroker;
import io.sluice.testkit.TestCluster;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Topic churn must never wedge the controller: after 300 topics came and went under load, a new topic
 * gets leaders at once, nothing acknowledged elsewhere is lost, ZooKeeper holds no leftovers and the log
 * holds no repeating reconciliation error. Also with three brokers, the controller killed mid-churn.
 */
@Tag("long")
class TopicChurnIT {

    @Test
    void singleBrokerSurvivesThreeHundredTopicsComingAndGoing() throws Exception {
        try (LogCapture logs = LogCapture.broker(); TestBroker broker = TestBroker.start();
             ChurnWorkload work = new ChurnWorkload(broker.bootstrap()); Admin admin = work.admin()) {
            admin.createTopics(List.of(new NewTopic(ChurnWorkload.STABLE, 3, (short) 1),
                    new NewTopic(ChurnWorkload.TXN_OUT, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            work.startClients();
            work.churn(4, 75);
            work.stopClients();

            assertNewTopicGetsLeaders(admin);
            assertThat(work.churnFailures).isEmpty();
            assertNothingLost(work);
            assertNoLeftovers(broker.broker().zooKeeper(), List.of(broker.dataDir()));
            assertThat(logs.warnings("reconciliation failed")).isEmpty();
            assertThat(logs.warnings("Cannot reconcile")).isEmpty();
            assertThat(logs.warnings("cannot apply")).isEmpty();
            assertThat(logs.warnings("NoSuchFile")).isEmpty();
            assertThat(logs.warnings("producer snapshot")).isEmpty();
        }
    }

    @Test
    void threeBrokersSurviveTheControllerBeingKilledMidChurn() throws Exception {
        try (LogCapture logs = LogCapture.broker();
             TestCluster cluster = TestCluster.start(3, Map.of(BrokerConfig.DEFAULT_REPLICATION_FACTOR, "2",
                     BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR, "3"));
             ChurnWorkload work = new ChurnWorkload(cluster.bootstrap()); Admin admin = work.admin();
             CuratorFramework zk = CuratorFrameworkFactory.newClient(
                     cluster.broker(0).config().getString(BrokerConfig.ZOOKEEPER_CONNECT), new RetryOneTime(200))) {
            zk.start();
            Map<String, String> durable = Map.of("min.insync.replicas", "2");
            admin.createTopics(List.of(new NewTopic(ChurnWorkload.STABLE, 3, (short) 3).configs(durable),
                    new NewTopic(ChurnWorkload.TXN_OUT, 2, (short) 3).configs(durable))).all().get(30, TimeUnit.SECONDS);
            work.startClients();
            ExecutorService churn = Executors.newSingleThreadExecutor();
            Future<?> churned = churn.submit(() -> {
                work.churn(4, 75);
                return null;
            });
            await().atMost(Duration.ofMinutes(3)).until(() -> work.topicsCreated.get() >= 120 || churned.isDone());
            int controller = activeController(zk);
            cluster.kill(controller);
            churned.get(10, TimeUnit.MINUTES);
            churn.shutdown();
            work.stopClients();

            assertNewTopicGetsLeaders(admin);
            assertNothingLost(work);
            // Admin calls that met the dying broker time out; whatever they left is deleted now.
            List<String> left = admin.listTopics().names().get().stream().filter(n -> n.startsWith("churn-")).toList();
            admin.deleteTopics(left).all().get(30, TimeUnit.SECONDS);
            // The killed broker comes back and removes the logs of every topic deleted while it was away.
            cluster.restart(controller);
            assertNoLeftovers(zk, List.of(cluster.logDir(0), cluster.logDir(1), cluster.logDir(2)));
            assertThat(logs.warnings("reconciliation failed")).isEmpty();
            assertThat(logs.warnings("Cannot reconcile")).isEmpty();
            assertThat(logs.warnings("NoSuchFile")).isEmpty();
        }
    }

    private static int activeController(CuratorFramework zk) throws Exception {
        String data = new String(zk.getData().forPath("/sluice/controller"), StandardCharsets.UTF_8);
        return Integer.parseInt(data.replaceAll("[^0-9]", ""));
    }

    private static void assertNewTopicGetsLeaders(Admin admin) throws Exception {
        admin.createTopics(List.of(new NewTopic("after-churn", 6, (short) -1))).all().get(10, TimeUnit.SECONDS);
        MetadataRobustnessIT.assertLeaders(admin, "after-churn", 6);
    }

    private static void assertNothingLost(ChurnWorkload work) {
        assertThat(work.acked).hasSizeGreaterThan(100);
        assertThat(work.committed).hasSizeGreaterThan(50);
        assertThat(ChurnWorkload.missing(work.acked, work.readAll(ChurnWorkload.STABLE))).isEmpty();
        assertThat(ChurnWorkload.missing(work.committed, work.readAll(ChurnWorkload.TXN_OUT))).isEmpty();
    }

    /** Every churned topic is gone from ZooKeeper and from every log dir; no deletion is left pending. */
    private static void assertNoLeftovers(CuratorFramework zk, List<Path> logDirs) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(zk.getChildren().forPath("/sluice/topics")).noneMatch(n -> n.startsWith("churn-"));
            assertThat(zk.getChildren().forPath(ClusterStore.DELETE_TOPICS)).isEmpty();
            for (Path dir : logDirs) {
                try (Stream<Path> children = Files.list(dir)) {
                    assertThat(children.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("churn-"));
                }
            }
        });
    }
}
