package io.sluice.connect.worker;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TaskRestartPolicyTest {

    @Test
    void connectorSettingsOverrideTheWorkersAndBackoffDoublesUpToTheMaximum() {
        WorkerConfig worker = new WorkerConfig(Map.of("sluice.task.restart.initial.backoff.ms", "100",
                "sluice.task.restart.max.attempts", "5"));
        TaskRestartPolicy policy = TaskRestartPolicy.of(worker, Map.of("sluice.task.restart.max.backoff.ms", "350"));
        assertThat(policy.enabled()).isTrue();
        assertThat(policy.backoffMs(1)).isEqualTo(100);
        assertThat(policy.backoffMs(2)).isEqualTo(200);
        assertThat(policy.backoffMs(3)).isEqualTo(350);
        assertThat(policy.backoffMs(60)).isEqualTo(350);
        assertThat(policy.mayRestart(4)).isTrue();
        assertThat(policy.mayRestart(5)).isFalse();
    }

    @Test
    void defaultsAreKafkaFriendlyAndRestartsCanBeTurnedOff() {
        TaskRestartPolicy defaults = TaskRestartPolicy.of(new WorkerConfig(Map.of()), Map.of());
        assertThat(defaults).isEqualTo(new TaskRestartPolicy(true, 1_000, 60_000, -1));
        assertThat(defaults.mayRestart(1_000_000)).isTrue();
        TaskRestartPolicy off = TaskRestartPolicy.of(new WorkerConfig(Map.of()),
                Map.of("sluice.task.restart.enable", "false"));
        assertThat(off.mayRestart(0)).isFalse();
    }
}
