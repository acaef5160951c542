package io.sluice.broker.network;

import org.apache.kafka.common.requests.AbstractResponse;

import java.util.concurrent.CompletableFuture;

/**
 * Serves one API. Runs on a request-handler thread, never on a network thread, so it may touch the
 * disk; anything that waits (long-poll fetch, a rebalance) returns an incomplete future instead of
 * blocking. A future completed with {@code null} means "send no response" (acks=0 produce).
 */
@FunctionalInterface
public interface ApiHandler {
    CompletableFuture<AbstractResponse> handle(ApiRequest request);
}
