package io.sluice.broker.txn;

import io.sluice.testkit.ChildBrokerMain;

/** A child-JVM broker with {@link TransactionFaults#stopAfterPrepare} armed. */
public final class StopAfterPrepareBroker {
    private StopAfterPrepareBroker() {
    }

    public static void main(String[] args) throws InterruptedException {
        TransactionFaults.stopAfterPrepare = true;
        ChildBrokerMain.main(args);
    }
}
