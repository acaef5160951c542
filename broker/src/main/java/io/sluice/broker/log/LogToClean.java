package io.sluice.broker.log;

/**
 * A compacted log and the part of it the cleaner may work on.
 *
 * @param log                    the log
 * @param firstDirtyOffset       where the last cleaning stopped (from the cleaner checkpoint)
 * @param firstUncleanableOffset base offset of the first segment that must not be cleaned yet: the active
 *                               segment, the one holding the last stable offset, or the first one younger
 *                               than {@code min.compaction.lag.ms}
 * @param cleanBytes             bytes of the segments below the first dirty offset
 * @param cleanableBytes         bytes of the segments from the first dirty to the first uncleanable offset
 * @param needCompactionNow      a dirty record is older than {@code max.compaction.lag.ms}
 */
record LogToClean(PartitionLog log, long firstDirtyOffset, long firstUncleanableOffset, long cleanBytes,
                  long cleanableBytes, boolean needCompactionNow) {

    long totalBytes() {
        return cleanBytes + cleanableBytes;
    }

    /** Kafka's dirty ratio: the share of the cleanable head of the log that is dirty. */
    double cleanableRatio() {
        return totalBytes() == 0 ? 0.0 : (double) cleanableBytes / totalBytes();
    }
}
