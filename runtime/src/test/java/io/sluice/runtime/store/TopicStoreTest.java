package io.sluice.runtime.store;

import io.sluice.testkit.LogCapture;
import io.sluice.testkit.TestBroker;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The typed store against a real in-process broker: topic creation, read-your-writes, rebuild, listeners. */
class TopicStoreTest {
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Map<String, Object> client() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    }

    private static TopicStore<String, String> store(String topic, int partitions) {
        return new TopicStore<>(client(), "test-" + topic, new StoreSettings(topic, partitions, (short) 3,
                Duration.ofSeconds(10), Duration.ofSeconds(30)), Serdes.String(), Serdes.String());
    }

    /** The state a listener builds: the compacted view of the topic. */
    private static Map<String, String> view(TopicStore<String, String> store) {
        Map<String, String> view = new ConcurrentHashMap<>();
        store.addListener((key, value, offset) -> {
            if (value == null) {
                view.remove(key);
            } else {
                view.put(key, value);
            }
        });
        return view;
    }

    @Test
    void writesAreReadBackBeforeWriteReturnsAndAStartRebuildsEverything() throws Exception {
        Map<String, String> first;
        try (TopicStore<String, String> store = store("store-rebuild", 3); LogCapture logs = LogCapture.broker()) {
            first = view(store);
            store.start();
            assertThat(first).isEmpty();
            assertThat(logs.warnings("store-rebuild with replication factor 1 instead of the 3 asked for")).hasSize(1);
            for (int i = 0; i < 20; i++) {
                store.write(List.of(new TopicStore.Entry<>("k" + i, "v" + i)));
                // Read-your-writes: the listener has the record the moment write returns.
                assertThat(first).containsEntry("k" + i, "v" + i);
            }
            store.write(List.of(new TopicStore.Entry<>("k0", "changed"), new TopicStore.Entry<>("k1", null)));
            assertThat(first).containsEntry("k0", "changed").doesNotContainKey("k1").hasSize(19);
        }
        try (Admin admin = Admin.create(client())) {
            var description = admin.describeTopics(List.of("store-rebuild")).allTopicNames().get().get("store-rebuild");
            assertThat(description.partitions()).hasSize(3);
            // Replication factor 3 asked, capped to the one broker there is.
            assertThat(description.partitions().get(0).replicas()).hasSize(1);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "store-rebuild");
            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        try (TopicStore<String, String> again = store("store-rebuild", 3)) {
            Map<String, String> rebuilt = view(again);
            List<Long> offsets = Collections.synchronizedList(new ArrayList<>());
            again.addListener((key, value, offset) -> offsets.add(offset));
            again.start();
            // start() returns only once the whole topic has been read.
            assertThat(rebuilt).isEqualTo(first);
            assertThat(offsets).hasSize(22);
        }
    }

    @Test
    void twoStoresOnOneTopicSeeEachOthersWritesAfterASync() {
        try (TopicStore<String, String> a = store("store-shared", 1); TopicStore<String, String> b = store("store-shared", 1)) {
            Map<String, String> viewA = view(a);
            Map<String, String> viewB = view(b);
            a.start();
            b.start();
            a.write(List.of(new TopicStore.Entry<>("from", "a")));
            b.syncToEnd(Duration.ofSeconds(10));
            assertThat(viewB).containsEntry("from", "a");
            b.write(List.of(new TopicStore.Entry<>("from", "b")));
            a.syncToEnd(Duration.ofSeconds(10));
            assertThat(viewA).containsEntry("from", "b");
        }
    }

    @Test
    void anUnreadableRecordIsSkippedNotFatal() {
        try (TopicStore<String, String> store = store("store-unreadable", 1)) {
            Map<String, String> view = view(store);
            store.addListener((key, value, offset) -> {
                if ("poison".equals(key)) {
                    throw new IllegalArgumentException("cannot apply");
                }
            });
            store.start();
            store.write(List.of(new TopicStore.Entry<>("poison", "x")));
            store.write(List.of(new TopicStore.Entry<>("fine", "y")));
            assertThat(view).containsEntry("fine", "y");
        }
    }

    @Test
    void anExistingTopicWithOtherPartitionsOrPolicyIsRefused() throws Exception {
        try (Admin admin = Admin.create(client())) {
            admin.createTopics(List.of(new NewTopic("store-wrong-count", 2, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                    new NewTopic("store-deleting", 1, (short) 1))).all().get();
        }
        try (TopicStore<String, String> store = store("store-wrong-count", 1)) {
            assertThatThrownBy(store::start).hasMessageContaining("must have exactly 1 partition, it has 2");
        }
        try (TopicStore<String, String> store = store("store-deleting", 1)) {
            assertThatThrownBy(store::start).hasMessageContaining("cleanup.policy=compact");
        }
    }
}
