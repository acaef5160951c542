package io.sluice.connect.herder;

import io.sluice.connect.storage.ConfigStore;
import io.sluice.connect.worker.TargetState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class IncrementalAssignorTest {

    /** Connectors c0..c(n-1) with {@code tasks} tasks each. */
    private static ConfigStore.Snapshot config(int connectors, int tasks) {
        Map<String, Map<String, String>> configs = new TreeMap<>();
        Map<String, List<Map<String, String>>> taskConfigs = new HashMap<>();
        for (int c = 0; c < connectors; c++) {
            configs.put("c" + c, Map.of("connector.class", "X"));
            List<Map<String, String>> list = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                list.add(Map.of("t", String.valueOf(t)));
            }
            taskConfigs.put("c" + c, list);
        }
        return new ConfigStore.Snapshot(7, configs, Map.of(), taskConfigs);
    }

    private static ConnectProtocol.Metadata owns(List<String> connectors, List<ConnectProtocol.Task> tasks) {
        return new ConnectProtocol.Metadata("http://w/", 7, connectors, tasks);
    }

    private static ConnectProtocol.Metadata empty() {
        return owns(List.of(), List.of());
    }

    private static int load(ConnectProtocol.Assignment a) {
        return a.connectors().size() + a.tasks().size();
    }

    @Test
    void newWorkIsSpreadOverTheMembersAndEverythingIsAssignedOnce() {
        Map<String, ConnectProtocol.Assignment> result = IncrementalAssignor.assign(
                new TreeMap<>(Map.of("a", empty(), "b", empty(), "c", empty())), "http://a/", config(3, 2));
        Set<Object> seen = new HashSet<>();
        result.values().forEach(a -> {
            a.connectors().forEach(c -> assertThat(seen.add(c)).isTrue());
            a.tasks().forEach(t -> assertThat(seen.add(t)).isTrue());
            assertThat(load(a)).isEqualTo(3);
            assertThat(a.revoked()).isFalse();
            assertThat(a.configOffset()).isEqualTo(7);
            assertThat(a.leaderUrl()).isEqualTo("http://a/");
        });
        assertThat(seen).hasSize(9);
    }

    @Test
    void aDepartedMembersWorkIsReassignedAtOnceAndNothingElseMoves() {
        // "c" owned c2 and its tasks, and is gone: its work has no owner among the members that rejoined.
        ConnectProtocol.Metadata a = owns(List.of("c0"), List.of(new ConnectProtocol.Task("c0", 0),
                new ConnectProtocol.Task("c1", 1)));
        ConnectProtocol.Metadata b = owns(List.of("c1"), List.of(new ConnectProtocol.Task("c0", 1),
                new ConnectProtocol.Task("c1", 0)));
        Map<String, ConnectProtocol.Assignment> result = IncrementalAssignor.assign(
                new TreeMap<>(Map.of("a", a, "b", b)), "http://a/", config(3, 2));
        ConnectProtocol.Assignment forA = result.get("a");
        ConnectProtocol.Assignment forB = result.get("b");
        assertThat(forA.connectors()).contains("c0");
        assertThat(forA.tasks()).contains(new ConnectProtocol.Task("c0", 0), new ConnectProtocol.Task("c1", 1));
        assertThat(forB.connectors()).contains("c1");
        assertThat(forB.tasks()).contains(new ConnectProtocol.Task("c0", 1), new ConnectProtocol.Task("c1", 0));
        Set<Object> orphaned = new HashSet<>(forA.connectors());
        orphaned.addAll(forB.connectors());
        orphaned.addAll(forA.tasks());
        orphaned.addAll(forB.tasks());
        assertThat(orphaned).contains("c2", new ConnectProtocol.Task("c2", 0), new ConnectProtocol.Task("c2", 1));
        assertThat(forA.revoked()).isFalse();
    }

    @Test
    void aNewMemberGetsWorkOnlyAfterTheBusiestRevokeIt() {
        List<ConnectProtocol.Task> all = List.of(new ConnectProtocol.Task("c0", 0), new ConnectProtocol.Task("c0", 1),
                new ConnectProtocol.Task("c1", 0), new ConnectProtocol.Task("c1", 1));
        Map<String, ConnectProtocol.Assignment> first = IncrementalAssignor.assign(
                new TreeMap<>(Map.of("a", owns(List.of("c0", "c1"), all), "b", empty())), "http://a/", config(2, 2));
        // Revoked from a, handed to nobody in this generation: never on two workers at once.
        assertThat(first.get("a").revoked()).isTrue();
        assertThat(load(first.get("a"))).isEqualTo(3);
        assertThat(load(first.get("b"))).isZero();
        // The follow-up rebalance hands the revoked work to b.
        Map<String, ConnectProtocol.Assignment> second = IncrementalAssignor.assign(
                new TreeMap<>(Map.of("a", owns(first.get("a").connectors(), first.get("a").tasks()), "b", empty())),
                "http://a/", config(2, 2));
        assertThat(load(second.get("a"))).isEqualTo(3);
        assertThat(load(second.get("b"))).isEqualTo(3);
        assertThat(second.get("a").revoked()).isFalse();
    }

    @Test
    void aStoppedConnectorKeepsItsOwnerButHasNoTasks() {
        ConfigStore.Snapshot base = config(1, 2);
        ConfigStore.Snapshot stopped = new ConfigStore.Snapshot(base.offset(), base.connectorConfigs(),
                Map.of("c0", TargetState.STOPPED), base.taskConfigs());
        Map<String, ConnectProtocol.Assignment> result = IncrementalAssignor.assign(
                new TreeMap<>(Map.of("a", empty())), "http://a/", stopped);
        assertThat(result.get("a").connectors()).containsExactly("c0");
        assertThat(result.get("a").tasks()).isEmpty();
    }
}
