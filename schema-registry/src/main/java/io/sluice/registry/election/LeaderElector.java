package io.sluice.registry.election;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Elects one leader among the registry instances that share a store topic, through the Kafka classic group
 * protocol, so it works on any Kafka-compatible cluster.
 *
 * <p>Every instance joins the consumer group {@code schema.registry.group.id}, subscribed to the store topic,
 * with {@link LeaderAssignor} as its only assignment strategy. The chosen leader receives partition 0 and pauses
 * it at once (this consumer never fetches); every member learns the leader's URL. When the leader leaves or
 * stops heartbeating, the group rebalances and another member is given the partition. A member that loses the
 * partition (revoked in a rebalance, or lost when fenced) stops calling itself leader before the group moves on.
 */
public final class LeaderElector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

    /** Told on every change: (leader URL or null, whether this instance is the leader). */
    public interface Listener {
        void onLeaderChange(String leaderUrl, boolean isLeader);
    }

    private final String url;
    private final boolean eligible;
    private final Listener listener;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final String topic;
    private volatile boolean running = true;
    private volatile String leaderUrl;
    private volatile boolean leader;
    private volatile boolean wasLeader;

    public LeaderElector(String url, boolean eligible, String groupId, String topic,
                         Function<Map<String, Object>, Map<String, Object>> clientProps, Listener listener) {
        this.url = url;
        this.eligible = eligible;
        this.listener = listener;
        this.topic = topic;
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-registry-election");
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, LeaderAssignor.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30_000);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(LeaderAssignor.ELECTOR_CONFIG, this);
        this.consumer = new KafkaConsumer<>(clientProps.apply(props));
        this.thread = new Thread(this::run, "sluice-registry-election");
        this.thread.setDaemon(true);
    }

    public void start() {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    stepDown("revoked");
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                consumer.pause(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                stepDown("lost");
            }
        });
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                // Polling keeps this member in the group; the partition is paused, so nothing is fetched.
                consumer.poll(Duration.ofMillis(200));
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            log.error("Leader election stopped", t);
            stepDown("election failed");
        } finally {
            stepDown("closing");
            consumer.close(Duration.ofSeconds(5));
        }
    }

    void onElected(String newLeaderUrl, boolean isLeader, int generation) {
        boolean changed = isLeader != leader || !java.util.Objects.equals(newLeaderUrl, leaderUrl);
        leaderUrl = newLeaderUrl;
        leader = isLeader;
        wasLeader = isLeader;
        if (changed) {
            log.info("Registry leader in generation {}: {}{}", generation, newLeaderUrl, isLeader ? " (this instance)" : "");
            listener.onLeaderChange(newLeaderUrl, isLeader);
        }
    }

    private void stepDown(String why) {
        if (leader) {
            log.info("Registry instance {} is no longer leader ({})", url, why);
            leader = false;
            leaderUrl = null;
            listener.onLeaderChange(null, false);
        }
    }

    String url() {
        return url;
    }

    boolean eligible() {
        return eligible;
    }

    boolean wasLeader() {
        return wasLeader;
    }

    public boolean isLeader() {
        return leader;
    }

    /** The leader's URL, or null while none is known. */
    public String leaderUrl() {
        return leaderUrl;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
