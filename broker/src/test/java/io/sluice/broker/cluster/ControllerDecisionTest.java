package io.sluice.broker.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The controller's leader-election rules and the rack-aware replica order, without ZooKeeper. */
class ControllerDecisionTest {
    private static final List<Integer> REPLICAS = List.of(2, 0, 1);

    @Test
    void aNewPartitionIsLedByItsFirstLiveReplica() {
        PartitionState s = Controller.decide(REPLICAS, Optional.empty(), Set.of(0, 1), false, 4);
        assertThat(s).isEqualTo(new PartitionState(0, 0, List.of(0, 1), 4));
    }

    @Test
    void aLiveLeaderKeepsItsEpochWhileDeadFollowersLeaveTheIsr() {
        PartitionState current = new PartitionState(2, 3, List.of(2, 0, 1), 1);
        assertThat(Controller.decide(REPLICAS, Optional.of(current), Set.of(0, 1, 2), false, 1)).isNull();
        assertThat(Controller.decide(REPLICAS, Optional.of(current), Set.of(2, 1), false, 1))
                .isEqualTo(new PartitionState(2, 3, List.of(2, 1), 1));
    }

    @Test
    void aDeadLeaderIsReplacedFromTheIsrWithABumpedEpoch() {
        PartitionState current = new PartitionState(2, 3, List.of(2, 1), 1);
        assertThat(Controller.decide(REPLICAS, Optional.of(current), Set.of(0, 1), false, 2))
                .isEqualTo(new PartitionState(1, 4, List.of(1), 2));
    }

    @Test
    void withoutALiveIsrMemberThePartitionGoesOfflineUnlessUncleanElectionIsEnabled() {
        PartitionState current = new PartitionState(2, 3, List.of(2), 1);
        PartitionState offline = Controller.decide(REPLICAS, Optional.of(current), Set.of(0, 1), false, 1);
        assertThat(offline).isEqualTo(new PartitionState(-1, 4, List.of(2), 1));
        assertThat(Controller.decide(REPLICAS, Optional.of(offline), Set.of(0, 1), false, 1)).isNull();
        // The last ISR member returns: elected cleanly.
        assertThat(Controller.decide(REPLICAS, Optional.of(offline), Set.of(0, 2), false, 1))
                .isEqualTo(new PartitionState(2, 5, List.of(2), 1));
        assertThat(Controller.decide(REPLICAS, Optional.of(current), Set.of(0, 1), true, 1))
                .isEqualTo(new PartitionState(0, 4, List.of(0), 1));
    }

    @Test
    void replicasAlternateRacks() {
        List<ClusterStore.BrokerRegistration> live = List.of(
                new ClusterStore.BrokerRegistration(0, "h", 1, "a"), new ClusterStore.BrokerRegistration(1, "h", 1, "a"),
                new ClusterStore.BrokerRegistration(2, "h", 1, "b"), new ClusterStore.BrokerRegistration(3, "h", 1, "b"),
                new ClusterStore.BrokerRegistration(4, "h", 1, "c"));
        assertThat(TopicRegistry.rackAlternated(live)).containsExactly(0, 2, 4, 1, 3);
        assertThat(TopicRegistry.rackAlternated(List.of(new ClusterStore.BrokerRegistration(5, "h", 1, null),
                new ClusterStore.BrokerRegistration(1, "h", 1, null)))).containsExactly(1, 5);
    }
}
