package io.sluice.broker.group;

import io.netty.util.Timeout;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One member of a classic group. Guarded by the lock of its {@link ClassicGroup}. */
final class GroupMember {
    static final byte[] EMPTY = new byte[0];

    /** A protocol the member supports (e.g. an assignor name) and its metadata (the subscription). */
    record Protocol(String name, byte[] metadata) {
    }

    final String memberId;
    final String groupInstanceId;
    String clientId;
    String clientHost;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    /** In the member's order of preference. */
    List<Protocol> protocols;
    byte[] assignment = EMPTY;

    /** Parked JoinGroup, completed when the rebalance completes. */
    CompletableFuture<JoinGroupResponseData> awaitingJoin;
    /** Parked SyncGroup, completed when the leader's assignment is stored. */
    CompletableFuture<SyncGroupResponseData> awaitingSync;

    /** System.nanoTime() after which the member is considered dead unless it heartbeats. */
    long heartbeatDeadlineNanos;
    Timeout heartbeatTimer;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost,
                int rebalanceTimeoutMs, int sessionTimeoutMs, List<Protocol> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocols = List.copyOf(protocols);
    }

    /** A copy under a new member id: a static member rejoining with an unknown member id. */
    GroupMember withMemberId(String newMemberId) {
        GroupMember m = new GroupMember(newMemberId, groupInstanceId, clientId, clientHost,
                rebalanceTimeoutMs, sessionTimeoutMs, protocols);
        m.assignment = assignment;
        return m;
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    byte[] metadata(String protocolName) {
        for (Protocol p : protocols) {
            if (p.name().equals(protocolName)) {
                return p.metadata();
            }
        }
        return null;
    }

    boolean supports(String protocolName) {
        return metadata(protocolName) != null;
    }

    /** Same protocols, same order, same metadata: a rejoin that changes nothing. */
    boolean matches(List<Protocol> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < other.size(); i++) {
            if (!other.get(i).name().equals(protocols.get(i).name())
                    || !java.util.Arrays.equals(other.get(i).metadata(), protocols.get(i).metadata())) {
                return false;
            }
        }
        return true;
    }

    /** The first of this member's protocols (in its preference order) that is among the candidates. */
    String vote(java.util.Set<String> candidates) {
        for (Protocol p : protocols) {
            if (candidates.contains(p.name())) {
                return p.name();
            }
        }
        throw new IllegalStateException("Member " + memberId + " supports none of " + candidates);
    }
}
