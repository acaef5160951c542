/**
 * The transaction coordinator's logic (KIP-98, transaction protocol v1), with no I/O: the state
 * machine ({@link io.sluice.transactions.coordinator.TransactionState},
 * {@link io.sluice.transactions.coordinator.TransactionStateMachine}), the per-id metadata, the
 * {@code __transaction_state} record format ({@link io.sluice.transactions.coordinator.TransactionLogRecords})
 * and which transactions to list, time out or expire ({@link io.sluice.transactions.coordinator.TransactionFilter}).
 * The broker persists, writes markers and serves the APIs.
 */
package io.sluice.transactions.coordinator;
