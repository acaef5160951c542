package io.sluice.connect.herder;

import io.sluice.connect.storage.ConfigStore;
import io.sluice.connect.worker.ConnectorTaskId;
import io.sluice.connect.worker.TargetState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The group leader's incremental cooperative assignment of connectors and tasks. Work a member owns and that still
 * exists stays where it is; work nobody owns — new, or a departed member's — goes at once to the least loaded members
 * (no {@code scheduled.rebalance.max.delay.ms} wait: a lost worker's tasks run elsewhere in the very next
 * generation); and only when loads differ by more than one is work revoked from the most loaded, to be handed out in
 * the follow-up rebalance the revoking members ask for.
 */
final class IncrementalAssignor {

    /** One member's load while assigning. */
    private static final class Load {
        final String member;
        final List<String> connectors = new ArrayList<>();
        final List<ConnectorTaskId> tasks = new ArrayList<>();

        Load(String member) {
            this.member = member;
        }

        /** Revoked work this member is expected to take in the follow-up rebalance. */
        int incoming;

        int size() {
            return connectors.size() + tasks.size() + incoming;
        }
    }

    private IncrementalAssignor() {
    }

    /**
     * @param members   member id → metadata (what it owns)
     * @param leaderUrl the leader's REST URL
     */
    static Map<String, ConnectProtocol.Assignment> assign(Map<String, ConnectProtocol.Metadata> members,
                                                          String leaderUrl, ConfigStore.Snapshot config) {
        Set<String> allConnectors = new HashSet<>(config.connectorConfigs().keySet());
        Set<ConnectorTaskId> allTasks = new HashSet<>();
        for (String connector : allConnectors) {
            if (config.targetState(connector) != TargetState.STOPPED) {
                for (int i = 0; i < config.taskCount(connector); i++) {
                    allTasks.add(new ConnectorTaskId(connector, i));
                }
            }
        }
        Map<String, Load> loads = new TreeMap<>();
        Set<String> claimedConnectors = new HashSet<>();
        Set<ConnectorTaskId> claimedTasks = new HashSet<>();
        members.forEach((member, metadata) -> {
            Load load = new Load(member);
            for (String connector : metadata.connectors()) {
                if (allConnectors.contains(connector) && claimedConnectors.add(connector)) {
                    load.connectors.add(connector);
                }
            }
            for (ConnectProtocol.Task task : metadata.tasks()) {
                if (allTasks.contains(task.id()) && claimedTasks.add(task.id())) {
                    load.tasks.add(task.id());
                }
            }
            loads.put(member, load);
        });
        allConnectors.stream().sorted().filter(c -> !claimedConnectors.contains(c))
                .forEach(c -> leastLoaded(loads).connectors.add(c));
        allTasks.stream().sorted().filter(t -> !claimedTasks.contains(t))
                .forEach(t -> leastLoaded(loads).tasks.add(t));

        boolean revoked = false;
        while (true) {
            Load most = loads.values().stream().max(Comparator.comparingInt(Load::size)).orElseThrow();
            Load least = leastLoaded(loads);
            if (most.size() - least.size() <= 1) {
                break;
            }
            // Revoked here, assigned in the next generation: never run by two members at once.
            if (!most.tasks.isEmpty()) {
                most.tasks.remove(most.tasks.size() - 1);
            } else {
                most.connectors.remove(most.connectors.size() - 1);
            }
            revoked = true;
            least.incoming++;
        }
        Map<String, ConnectProtocol.Assignment> result = new LinkedHashMap<>();
        for (Load load : loads.values()) {
            List<ConnectProtocol.Task> tasks = load.tasks.stream().sorted()
                    .map(ConnectProtocol.Task::of).toList();
            result.put(load.member, new ConnectProtocol.Assignment(leaderUrl, config.offset(),
                    load.connectors.stream().sorted().toList(), tasks, revoked));
        }
        return result;
    }

    private static Load leastLoaded(Map<String, Load> loads) {
        return loads.values().stream().min(Comparator.comparingInt(Load::size)).orElseThrow();
    }
}
