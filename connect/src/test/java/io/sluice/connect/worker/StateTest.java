package io.sluice.connect.worker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StateTest {

    @Test
    void legalTransitions() {
        assertThat(State.UNASSIGNED.canMoveTo(State.RUNNING)).isTrue();
        assertThat(State.RUNNING.canMoveTo(State.PAUSED)).isTrue();
        assertThat(State.PAUSED.canMoveTo(State.RUNNING)).isTrue();
        assertThat(State.FAILED.canMoveTo(State.RESTARTING)).isTrue();
        assertThat(State.RESTARTING.canMoveTo(State.RUNNING)).isTrue();
        // A failure is only left by a restart (or by unassigning the task), never by carrying on.
        assertThat(State.FAILED.canMoveTo(State.RUNNING)).isFalse();
        assertThat(State.FAILED.canMoveTo(State.PAUSED)).isFalse();
    }

    @Test
    void aFailedStatusKeepsItsTraceUntilRestarted() {
        Status status = new Status("task t-0", "w:1");
        assertThat(status.moveTo(State.RUNNING)).isTrue();
        status.fail(new IllegalStateException("boom"));
        assertThat(status.snapshot().state()).isEqualTo(State.FAILED);
        assertThat(status.snapshot().trace()).contains("IllegalStateException: boom");
        // The failed task's thread reporting "running" or "paused" afterwards does not hide the failure.
        assertThat(status.moveTo(State.PAUSED)).isFalse();
        assertThat(status.snapshot().trace()).contains("boom");
        assertThat(status.moveTo(State.RESTARTING)).isTrue();
        assertThat(status.snapshot().trace()).isNull();
        assertThat(status.snapshot().workerId()).isEqualTo("w:1");
    }
}
