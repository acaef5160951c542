package io.sluice.broker.api.fetch;

import io.sluice.broker.config.BrokerConfig;
import io.sluice.testkit.RawConnection;
import io.sluice.testkit.TestCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A leader serves fetch sessions to followers too, as privileged ones: with a single session slot, a
 * follower's session takes it from a consumer's, and a consumer cannot take it back. The follower
 * here is hand-made (Sluice's own replica fetchers stay sessionless), fetching as the real follower,
 * whose fetching is paused meanwhile.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FollowerFetchSessionIT {
    private static final String TOPIC = "replicated";
    private static final short VERSION = 12;

    private TestCluster cluster;
    private int correlationId;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private FetchRequestData request(int replicaId, int sessionId, int epoch, Long fetchOffset) {
        List<FetchRequestData.FetchTopic> topics = new ArrayList<>();
        if (fetchOffset != null) {
            topics.add(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(fetchOffset)
                            .setPartitionMaxBytes(1 << 20))));
        }
        return new FetchRequestData().setReplicaId(replicaId).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                .setSessionId(sessionId).setSessionEpoch(epoch).setTopics(topics);
    }

    private FetchResponseData send(RawConnection raw, FetchRequestData request) throws Exception {
        return ((FetchResponse) raw.send(new RequestHeader(ApiKeys.FETCH, VERSION, "follower-session-it", ++correlationId),
                new FetchRequest(request, VERSION))).data();
    }

    private static List<FetchResponseData.PartitionData> partitions(FetchResponseData response) {
        return response.responses().stream().flatMap(t -> t.partitions().stream()).toList();
    }

    @Test
    void aFollowersSessionIsPrivileged() throws Exception {
        cluster = TestCluster.start(2, Map.of(BrokerConfig.MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS, "1"));
        cluster.createTopic(TOPIC, 1, (short) 2, Map.of());
        await().atMost(Duration.ofSeconds(40)).until(() -> describe().partitions().get(0).isr().size() == 2);
        int leader = describe().partitions().get(0).leader().id();
        int follower = 1 - leader;
        cluster.broker(follower).replicaManager().pauseFetching(true);
        try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, "v" + i)).get();
            }
        }
        FetchSessions sessions = cluster.broker(leader).fetchSessions();

        try (RawConnection raw = new RawConnection("127.0.0.1", cluster.broker(leader).port())) {
            int consumerSession = send(raw, request(-1, 0, 0, 0L)).sessionId();
            assertThat(consumerSession).as("the consumer got the only slot").isPositive();

            FetchResponseData full = send(raw, request(follower, 0, 0, 0L));
            int followerSession = full.sessionId();
            assertThat(followerSession).as("the follower took the slot").isPositive();
            assertThat(FetchResponse.recordsSize(partitions(full).get(0))).isPositive();
            assertThat(Errors.forCode(send(raw, request(-1, consumerSession, 1, null)).errorCode()))
                    .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
            assertThat(send(raw, request(-1, 0, 0, 0L)).sessionId()).as("and keeps it").isZero();

            // Caught up: the follower's fetch offset moves the high watermark, which it is told once.
            FetchResponseData caughtUp = send(raw, request(follower, followerSession, 1, 3L));
            assertThat(partitions(caughtUp)).singleElement()
                    .satisfies(p -> assertThat(p.highWatermark()).isEqualTo(3));
            assertThat(partitions(send(raw, request(follower, followerSession, 2, null)))).isEmpty();
            long servedBefore = sessions.incrementalFetchesServed();

            try (KafkaProducer<String, String> producer = cluster.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"))) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, "v3")).get();
            }
            FetchResponseData next = send(raw, request(follower, followerSession, 3, null));
            assertThat(next.sessionId()).isEqualTo(followerSession);
            assertThat(partitions(next)).singleElement()
                    .satisfies(p -> assertThat(FetchResponse.recordsSize(p)).isPositive());
            assertThat(sessions.incrementalFetchesServed()).isEqualTo(servedBefore + 1);
        } finally {
            cluster.broker(follower).replicaManager().pauseFetching(false);
        }
    }

    private TopicDescription describe() throws Exception {
        try (Admin admin = cluster.admin()) {
            return admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        }
    }
}
