package io.sluice.broker.txn;

import io.sluice.broker.cli.BrokerCommand;

/** {@code sluice broker} in a child JVM with {@link TransactionFaults#stopAfterPrepare} armed. */
public final class StopAfterPrepareBroker {
    private StopAfterPrepareBroker() {
    }

    public static void main(String[] args) {
        TransactionFaults.stopAfterPrepare = true;
        BrokerCommand.main(args);
    }
}
