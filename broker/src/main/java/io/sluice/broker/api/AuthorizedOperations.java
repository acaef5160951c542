package io.sluice.broker.api;

import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.utils.Utils;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The authorized-operations bit fields of Metadata, DescribeCluster and DescribeGroups (KIP-430), for a
 * client that asked for them. Sluice has no authorizer, so, as Kafka without one, every operation the
 * resource type supports (Kafka's {@code AclEntry.supportedOperations}) is reported as allowed; clients
 * such as librdkafka's DescribeTopics check this list.
 */
public final class AuthorizedOperations {
    public static final int TOPIC = bits(EnumSet.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
            AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS));
    /** Kafka 4: group configs (KIP-848) made DESCRIBE_CONFIGS and ALTER_CONFIGS group operations. */
    public static final int GROUP = bits(EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS));
    public static final int CLUSTER = bits(EnumSet.of(AclOperation.CREATE, AclOperation.CLUSTER_ACTION,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE,
            AclOperation.ALTER, AclOperation.DESCRIBE));

    private AuthorizedOperations() {
    }

    private static int bits(Set<AclOperation> operations) {
        return Utils.to32BitField(operations.stream().map(AclOperation::code).collect(Collectors.toSet()));
    }
}
