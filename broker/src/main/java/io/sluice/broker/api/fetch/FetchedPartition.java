package io.sluice.broker.api.fetch;

import org.apache.kafka.common.message.FetchResponseData;

/** A partition as read for a response: what was asked, and the answer. */
public record FetchedPartition(FetchTarget target, FetchResponseData.PartitionData data) {
}
