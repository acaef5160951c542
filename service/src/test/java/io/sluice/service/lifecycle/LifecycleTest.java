package io.sluice.service.lifecycle;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleTest {
    @Test
    void onlyLegalTransitions() {
        Lifecycle life = new Lifecycle("svc");
        assertThatThrownBy(() -> life.moveTo(ServiceState.READY)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("NEW").hasMessageContaining("READY");
        life.moveTo(ServiceState.STARTING);
        life.moveTo(ServiceState.READY);
        life.moveTo(ServiceState.STARTING);
        life.moveTo(ServiceState.READY);
        life.moveTo(ServiceState.STOPPING);
        assertThat(life.tryMoveTo(ServiceState.READY)).isFalse();
        life.moveTo(ServiceState.STOPPED);
        for (ServiceState any : ServiceState.values()) {
            assertThat(ServiceState.STOPPED.canMoveTo(any)).isFalse();
        }
    }

    @Test
    void waitersSeeReadyOrGiveUpWhenItCannotCome() throws Exception {
        Lifecycle life = new Lifecycle("svc");
        life.moveTo(ServiceState.STARTING);
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return life.awaitReady(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        life.moveTo(ServiceState.READY);
        assertThat(waiter.get()).isTrue();

        life.fail(new RuntimeException("boom"));
        assertThat(life.state()).isEqualTo(ServiceState.FAILED);
        assertThat(life.failure()).hasMessage("boom");
        assertThat(life.awaitReady(Duration.ofSeconds(30))).isFalse();
        assertThat(new Lifecycle("x").awaitReady(Duration.ofMillis(1))).isFalse();
    }
}
