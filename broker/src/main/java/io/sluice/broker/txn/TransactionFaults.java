package io.sluice.broker.txn;

/**
 * Test switch, off by default: when set, the coordinator stops right after persisting
 * PrepareCommit/PrepareAbort, as if it crashed before writing any marker. Only a restart (reload of
 * {@code __transaction_state}) completes such transactions.
 */
final class TransactionFaults {
    static volatile boolean stopAfterPrepare;

    private TransactionFaults() {
    }
}
