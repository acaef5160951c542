package io.sluice.broker.api.txn;

import org.apache.kafka.common.protocol.Errors;

/** Error codes as old clients know them. */
final class TxnErrors {
    private TxnErrors() {
    }

    /** Requests older than PRODUCER_FENCED (KIP-588) get INVALID_PRODUCER_EPOCH instead. */
    static Errors forVersion(Errors error, short version, short firstVersionWithFenced) {
        return error == Errors.PRODUCER_FENCED && version < firstVersionWithFenced ? Errors.INVALID_PRODUCER_EPOCH : error;
    }
}
