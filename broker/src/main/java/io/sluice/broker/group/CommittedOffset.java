package io.sluice.broker.group;

/**
 * One committed offset as stored in {@code __consumer_offsets} and cached by the coordinator.
 *
 * @param leaderEpoch     the leader epoch the consumer saw, or -1
 * @param metadata        the client's string, never null ("" when the client sent none)
 * @param commitTimestamp coordinator time of the commit
 * @param expireTimestamp explicit expiry from OffsetCommit v2-4 retention time, or -1
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp) {
}
