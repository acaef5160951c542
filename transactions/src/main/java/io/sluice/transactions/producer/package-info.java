/**
 * Per-partition idempotent and transactional producer state (KIP-98, KIP-360).
 *
 * <p>The partition log asks {@link io.sluice.transactions.producer.ProducerStateTable#check} (data) or
 * {@link io.sluice.transactions.producer.ProducerStateTable#checkMarker} (commit/abort markers) before it
 * appends a batch that carries a producer id, records the batch with
 * {@link io.sluice.transactions.producer.ProducerStateTable#recordAppend} or
 * {@link io.sluice.transactions.producer.ProducerStateTable#recordMarker} once it is written, persists the
 * table with {@link io.sluice.transactions.producer.ProducerStateSnapshot} and names the files with
 * {@link io.sluice.transactions.producer.ProducerSnapshotFiles}. Nothing here does network I/O or knows
 * broker classes.
 */
package io.sluice.transactions.producer;
