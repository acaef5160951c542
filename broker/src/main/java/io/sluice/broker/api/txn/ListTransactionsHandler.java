package io.sluice.broker.api.txn;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.transactions.coordinator.TransactionFilter;
import io.sluice.transactions.coordinator.TransactionMetadata;
import io.sluice.transactions.coordinator.TransactionState;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

public final class ListTransactionsHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public ListTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        ListTransactionsRequestData d = request.body(ListTransactionsRequest.class).data();
        ListTransactionsResponseData response = new ListTransactionsResponseData();
        if (!coordinator.allLoaded()) {
            return CompletableFuture.completedFuture(new ListTransactionsResponse(
                    response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code())));
        }
        Set<TransactionState> states = EnumSet.noneOf(TransactionState.class);
        for (String name : d.stateFilters()) {
            Optional<TransactionState> state = TransactionState.fromDisplayName(name);
            if (state.isPresent()) {
                states.add(state.get());
            } else {
                response.unknownStateFilters().add(name);
            }
        }
        if (states.isEmpty() && !d.stateFilters().isEmpty()) {
            // Only unknown states were asked for: nothing can match.
            return CompletableFuture.completedFuture(new ListTransactionsResponse(response));
        }
        Pattern pattern = null;
        String regex = d.transactionalIdPattern();
        if (regex != null && !regex.isEmpty()) {
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                return CompletableFuture.completedFuture(new ListTransactionsResponse(
                        response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code())));
            }
        }
        TransactionFilter filter = new TransactionFilter(states, new HashSet<>(d.producerIdFilters()), d.durationFilter(),
                pattern);
        for (TransactionMetadata txn : coordinator.list(filter)) {
            response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(txn.transactionalId())
                    .setProducerId(txn.producerId())
                    .setTransactionState(txn.state().displayName()));
        }
        return CompletableFuture.completedFuture(new ListTransactionsResponse(response));
    }
}
