package io.sluice.broker.api.fetch;

import org.apache.kafka.common.message.FetchRequestData;

/**
 * Where a fetcher stands in one partition, as its request says. A fetch session keeps the last one
 * sent for each of its partitions; an incremental request carries only those that changed.
 */
public record FetchPosition(long fetchOffset, long logStartOffset, int maxBytes, int currentLeaderEpoch,
                            int lastFetchedEpoch) {

    static FetchPosition of(FetchRequestData.FetchPartition p) {
        return new FetchPosition(p.fetchOffset(), p.logStartOffset(), p.partitionMaxBytes(), p.currentLeaderEpoch(),
                p.lastFetchedEpoch());
    }
}
