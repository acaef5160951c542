package io.sluice.service.lifecycle;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleServiceTest {
    /** Records what the shared lifecycle asks of it. */
    static final class Recording extends LifecycleService {
        final List<String> calls = new ArrayList<>();

        Recording() {
            super("recording");
        }

        @Override
        protected void closeParts() {
            calls.add("closeParts " + state());
        }

        @Override
        protected void stopped() {
            calls.add("stopped " + state());
        }
    }

    @Test
    void startReadyThenCloseOnceStopsThePartsOnce() throws InterruptedException {
        Recording service = new Recording();
        service.startReady(() -> service.calls.add("start " + service.state()));

        assertThat(service.state()).isEqualTo(ServiceState.READY);
        assertThat(service.awaitReady(Duration.ZERO)).isTrue();
        service.close();
        service.close();
        assertThat(service.state()).isEqualTo(ServiceState.STOPPED);
        assertThat(service.calls).containsExactly("start STARTING", "closeParts STOPPING", "stopped STOPPED");
    }

    @Test
    void aFailedStartFailsClosesWhatStartedAndRethrows() throws InterruptedException {
        Recording service = new Recording();
        IllegalStateException boom = new IllegalStateException("port taken");

        assertThatThrownBy(() -> service.startReady(() -> {
            throw boom;
        })).isSameAs(boom);
        assertThat(service.state()).isEqualTo(ServiceState.FAILED);
        assertThat(service.lifecycle().failure()).isSameAs(boom);
        assertThat(service.awaitReady(Duration.ofSeconds(1))).isFalse();
        assertThat(service.calls).containsExactly("closeParts FAILED");
    }

    @Test
    void startPartsLeavesReadinessToTheService() {
        Recording service = new Recording();
        service.startParts(() -> { });
        assertThat(service.state()).isEqualTo(ServiceState.STARTING);
        service.lifecycle().moveTo(ServiceState.READY);
        assertThat(service.state()).isEqualTo(ServiceState.READY);
    }
}
