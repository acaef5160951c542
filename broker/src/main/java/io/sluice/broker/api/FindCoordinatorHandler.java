package io.sluice.broker.api;

import io.sluice.broker.network.ApiHandler;
import io.sluice.broker.network.ApiRequest;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * FindCoordinator for both key types: a group id is sent to the group coordinator, a transactional id
 * to the transaction coordinator. One key (v0-3) or a batch of them (v4+, KIP-699).
 */
public final class FindCoordinatorHandler implements ApiHandler {
    /** FindCoordinator key types (KIP-98). */
    private static final byte KEY_TYPE_GROUP = 0;
    private static final byte KEY_TYPE_TRANSACTION = 1;

    private final Function<String, Optional<Node>> groupCoordinators;
    private final Function<String, Optional<Node>> transactionCoordinators;

    /**
     * @param groupCoordinators       the broker coordinating a group id, empty while it has none
     * @param transactionCoordinators the same for a transactional id; null without transactions
     *                                (answered COORDINATOR_NOT_AVAILABLE)
     */
    public FindCoordinatorHandler(Function<String, Optional<Node>> groupCoordinators,
                                  Function<String, Optional<Node>> transactionCoordinators) {
        this.groupCoordinators = groupCoordinators;
        this.transactionCoordinators = transactionCoordinators;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(ApiRequest request) {
        FindCoordinatorRequestData d = request.body(FindCoordinatorRequest.class).data();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (request.version() >= 4) {
            for (String key : d.coordinatorKeys()) {
                response.coordinators().add(coordinatorFor(d.keyType(), key));
            }
        } else {
            FindCoordinatorResponseData.Coordinator c = coordinatorFor(d.keyType(), d.key());
            response.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage())
                    .setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port());
        }
        return CompletableFuture.completedFuture(new FindCoordinatorResponse(response));
    }

    private FindCoordinatorResponseData.Coordinator coordinatorFor(byte keyType, String key) {
        Errors error = switch (keyType) {
            case KEY_TYPE_GROUP -> key == null || key.isEmpty() ? Errors.INVALID_GROUP_ID : Errors.NONE;
            case KEY_TYPE_TRANSACTION -> key == null || key.isEmpty() ? Errors.INVALID_REQUEST
                    : transactionCoordinators != null ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
            default -> Errors.INVALID_REQUEST;
        };
        Node n = Node.noNode();
        if (error == Errors.NONE) {
            Function<String, Optional<Node>> coordinators = keyType == KEY_TYPE_TRANSACTION
                    ? transactionCoordinators : groupCoordinators;
            n = coordinators.apply(key).orElse(Node.noNode());
            if (n.isEmpty()) {
                error = Errors.COORDINATOR_NOT_AVAILABLE;
            }
        }
        return new FindCoordinatorResponseData.Coordinator()
                .setKey(key)
                .setErrorCode(error.code())
                .setErrorMessage(error == Errors.NONE ? null : error.message())
                .setNodeId(n.id())
                .setHost(n.host())
                .setPort(n.port());
    }
}
