package io.sluice.registry.election;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The "assignor" of the registry's election group: it assigns no real work, it picks the leader.
 *
 * <p>Each member's subscription carries {@code {"url", "eligible", "leader"}} (its REST URL, whether
 * {@code leader.eligibility} allows it to lead, whether it leads now). The group leader's consumer runs
 * {@link #assign}: it keeps the current leader if it is still a member, else picks the eligible member with the
 * smallest URL, gives that member partition 0 of the store topic (so that losing leadership shows up as a
 * revoked or lost partition) and tells every member the leader's URL in the assignment's user data.
 */
public final class LeaderAssignor implements ConsumerPartitionAssignor, Configurable {
    public static final String NAME = "sluice-registry-leader";
    /** Consumer config key holding the {@link LeaderElector} this assignor reports to. */
    public static final String ELECTOR_CONFIG = "sluice.registry.elector";

    private static final ObjectMapper JSON = new ObjectMapper();
    private LeaderElector elector;

    @Override
    public void configure(Map<String, ?> configs) {
        elector = (LeaderElector) configs.get(ELECTOR_CONFIG);
        if (elector == null) {
            throw new IllegalArgumentException(ELECTOR_CONFIG + " must be set");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        ObjectNode node = JSON.createObjectNode();
        node.put("url", elector.url());
        node.put("eligible", elector.eligible());
        node.put("leader", elector.wasLeader());
        return ByteBuffer.wrap(node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription groupSubscription) {
        Map<String, Subscription> members = groupSubscription.groupSubscription();
        String leader = null;
        String leaderUrl = null;
        boolean leaderSticky = false;
        for (Map.Entry<String, Subscription> member : members.entrySet()) {
            JsonNode info = read(member.getValue().userData());
            if (!info.path("eligible").asBoolean(false)) {
                continue;
            }
            String url = info.path("url").asText();
            boolean current = info.path("leader").asBoolean(false);
            boolean better = leader == null
                    || (current && !leaderSticky)
                    || (current == leaderSticky && url.compareTo(leaderUrl) < 0);
            if (better) {
                leader = member.getKey();
                leaderUrl = url;
                leaderSticky = current;
            }
        }
        String topic = members.values().iterator().next().topics().get(0);
        ObjectNode info = JSON.createObjectNode();
        info.put("url", leaderUrl);
        ByteBuffer userData = ByteBuffer.wrap(info.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, Assignment> assignments = new HashMap<>();
        for (String member : members.keySet()) {
            List<TopicPartition> partitions = member.equals(leader) ? List.of(new TopicPartition(topic, 0)) : List.of();
            assignments.put(member, new Assignment(partitions, userData.duplicate()));
        }
        return new GroupAssignment(assignments);
    }

    @Override
    public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
        JsonNode info = read(assignment.userData());
        String url = info.hasNonNull("url") ? info.get("url").asText() : null;
        elector.onElected(url, !assignment.partitions().isEmpty(), metadata.generationId());
    }

    private static JsonNode read(ByteBuffer data) {
        if (data == null || !data.hasRemaining()) {
            return JSON.createObjectNode();
        }
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
