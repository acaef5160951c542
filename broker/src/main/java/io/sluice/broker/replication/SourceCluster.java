package io.sluice.broker.replication;

import io.sluice.broker.network.BrokerClient;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One mirror partition's view of its source cluster (any Kafka-compatible cluster), as a plain
 * consumer would see it: the partition's leader from Metadata sent to the bootstrap servers in turn,
 * then Fetch (read_uncommitted, so aborted data and transaction markers come too) and ListOffsets
 * sent to that leader. Blocking, one request at a time, for the single thread of a
 * {@link MirrorFollower}; a leader change on the source shows up as an error, and the caller looks the
 * leader up again ({@link #forgetLeader}).
 */
final class SourceCluster implements AutoCloseable {
    private static final short METADATA_VERSION = 12;
    private static final short FETCH_VERSION = 12;
    private static final short LIST_OFFSETS_VERSION = 7;

    private final TopicPartition tp;
    private final List<Node> bootstrap;
    private final BrokerClient bootstrapClient;
    private final BrokerClient leaderClient;
    private final int maxWaitMs;
    private int nextBootstrap;
    private volatile Optional<Node> leader = Optional.empty();
    private int leaderEpoch = -1;

    /** A source leader as Metadata named it, with its leader epoch. */
    record Leader(Node node, int epoch) {
    }

    SourceCluster(String bootstrapServers, TopicPartition sourcePartition, String clientId, int maxWaitMs) {
        this.tp = sourcePartition;
        this.bootstrap = parse(bootstrapServers);
        this.maxWaitMs = maxWaitMs;
        this.bootstrapClient = new BrokerClient(() -> Optional.of(bootstrap.get(nextBootstrap % bootstrap.size())),
                clientId, 30_000);
        // Long-polling fetches hold the response up to the max wait: the read timeout allows for that.
        this.leaderClient = new BrokerClient(() -> leader, clientId, maxWaitMs + 30_000);
    }

    private static List<Node> parse(String servers) {
        List<Node> nodes = new ArrayList<>();
        for (String s : servers.split(",")) {
            String server = s.trim();
            int colon = server.lastIndexOf(':');
            nodes.add(new Node(-1, server.substring(0, colon), Integer.parseInt(server.substring(colon + 1))));
        }
        return nodes;
    }

    TopicPartition partition() {
        return tp;
    }

    /**
     * Asks the source cluster for the partition's leader and connects to it from now on.
     *
     * @return the leader, or empty when the source has no leader for it (yet)
     * @throws IOException when no bootstrap server answered
     */
    Optional<Leader> refreshLeader() throws IOException {
        MetadataResponse response;
        try {
            response = (MetadataResponse) bootstrapClient.send(
                    new MetadataRequest.Builder(List.of(tp.topic()), false).build(METADATA_VERSION));
        } catch (IOException e) {
            nextBootstrap++;
            throw e;
        }
        MetadataResponseData data = response.data();
        for (MetadataResponseData.MetadataResponseTopic topic : data.topics()) {
            if (!tp.topic().equals(topic.name()) || topic.errorCode() != Errors.NONE.code()) {
                continue;
            }
            for (MetadataResponseData.MetadataResponsePartition p : topic.partitions()) {
                if (p.partitionIndex() != tp.partition() || p.leaderId() < 0) {
                    continue;
                }
                for (MetadataResponseData.MetadataResponseBroker b : data.brokers()) {
                    if (b.nodeId() == p.leaderId()) {
                        Node node = new Node(b.nodeId(), b.host(), b.port(), b.rack());
                        if (!leader.equals(Optional.of(node))) {
                            leaderClient.close();
                        }
                        leader = Optional.of(node);
                        leaderEpoch = p.leaderEpoch();
                        return Optional.of(new Leader(node, leaderEpoch));
                    }
                }
            }
        }
        forgetLeader();
        return Optional.empty();
    }

    boolean knowsLeader() {
        return leader.isPresent();
    }

    /** Drops the leader (and its connection): the next request looks it up again. */
    void forgetLeader() {
        leader = Optional.empty();
        leaderEpoch = -1;
        leaderClient.close();
    }

    /** Fetches from {@code offset} as a read_uncommitted consumer, long-polling up to the max wait. */
    FetchResponseData.PartitionData fetch(long offset, int maxBytes) throws IOException {
        FetchRequestData data = new FetchRequestData()
                .setReplicaId(-1)
                .setMaxWaitMs(maxWaitMs)
                .setMinBytes(1)
                .setMaxBytes(maxBytes)
                .setIsolationLevel(IsolationLevel.READ_UNCOMMITTED.id())
                .setSessionId(0)
                .setSessionEpoch(-1);
        data.topics().add(new FetchRequestData.FetchTopic().setTopic(tp.topic()));
        data.topics().get(0).partitions().add(new FetchRequestData.FetchPartition()
                .setPartition(tp.partition())
                .setFetchOffset(offset)
                .setLogStartOffset(-1)
                .setPartitionMaxBytes(maxBytes)
                .setCurrentLeaderEpoch(leaderEpoch));
        FetchResponse response = (FetchResponse) leaderClient.send(new FetchRequest(data, FETCH_VERSION));
        if (response.error() != Errors.NONE) {
            return new FetchResponseData.PartitionData().setPartitionIndex(tp.partition())
                    .setErrorCode(response.error().code());
        }
        for (FetchResponseData.FetchableTopicResponse topic : response.data().responses()) {
            for (FetchResponseData.PartitionData pd : topic.partitions()) {
                if (pd.partitionIndex() == tp.partition()) {
                    return pd;
                }
            }
        }
        return new FetchResponseData.PartitionData().setPartitionIndex(tp.partition())
                .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    /** The source leader's offset for a ListOffsets timestamp (EARLIEST -2, LATEST -1: its high watermark). */
    long listOffset(long timestamp) throws IOException {
        ListOffsetsRequestData.ListOffsetsTopic topic = new ListOffsetsRequestData.ListOffsetsTopic().setName(tp.topic());
        topic.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition()
                .setPartitionIndex(tp.partition()).setTimestamp(timestamp).setCurrentLeaderEpoch(leaderEpoch));
        ListOffsetsRequest request = ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
                .setTargetTimes(List.of(topic)).build(LIST_OFFSETS_VERSION);
        ListOffsetsResponse response = (ListOffsetsResponse) leaderClient.send(request);
        for (ListOffsetsResponseData.ListOffsetsTopicResponse t : response.data().topics()) {
            for (ListOffsetsResponseData.ListOffsetsPartitionResponse p : t.partitions()) {
                if (p.partitionIndex() == tp.partition()) {
                    Errors error = Errors.forCode(p.errorCode());
                    if (error != Errors.NONE) {
                        throw new IOException("ListOffsets of " + tp + " failed: " + error);
                    }
                    return p.offset();
                }
            }
        }
        throw new IOException("ListOffsets of " + tp + " answered without the partition");
    }

    @Override
    public void close() {
        bootstrapClient.close();
        leaderClient.close();
    }
}
