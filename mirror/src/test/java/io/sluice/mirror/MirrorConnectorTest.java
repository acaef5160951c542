package io.sluice.mirror;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MirrorConnectorTest {
    private static final Map<String, String> PROPS = Map.of("source.cluster.alias", "a");

    @Test
    void itemsAreDealtRoundRobinToAtMostMaxTasksEachKeepingTheConnectorProps() {
        List<Map<String, String>> tasks = MirrorConnector.dealRoundRobin(PROPS, "task.assigned.partitions",
                List.of("t-0", "t-1", "t-2", "t-3", "t-4"), 2);

        assertThat(tasks).extracting(t -> t.get("task.assigned.partitions")).containsExactly("t-0,t-2,t-4", "t-1,t-3");
        assertThat(tasks).allSatisfy(t -> assertThat(t).containsEntry("source.cluster.alias", "a"));
    }

    @Test
    void noMoreTasksThanItemsAndNoneWithoutItems() {
        assertThat(MirrorConnector.dealRoundRobin(PROPS, "k", List.of("g1", "g2"), 8))
                .extracting(t -> t.get("k")).containsExactly("g1", "g2");
        assertThat(MirrorConnector.dealRoundRobin(PROPS, "k", List.of(), 8)).isEmpty();
    }
}
