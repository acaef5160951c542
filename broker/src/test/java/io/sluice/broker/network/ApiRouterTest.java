package io.sluice.broker.network;

import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiRouterTest {

    @Test
    void aSecondHandlerForOneApiIsAWiringErrorNotASilentReplacement() {
        ApiHandler first = request -> CompletableFuture.completedFuture(null);
        ApiHandler second = request -> CompletableFuture.completedFuture(null);
        ApiRouter router = new ApiRouter().register(ApiKeys.INIT_PRODUCER_ID, first);
        assertThatThrownBy(() -> router.register(ApiKeys.INIT_PRODUCER_ID, second))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("INIT_PRODUCER_ID");
        assertThat(router.handler(ApiKeys.INIT_PRODUCER_ID)).isSameAs(first);
    }
}
