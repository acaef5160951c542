package io.sluice.broker.api.fetch;

import org.apache.kafka.common.TopicPartition;

/**
 * A partition one fetch reads: how the fetcher names it, the partition here ({@code null} when the
 * fetcher names it by a topic id this broker does not know), and the fetcher's position in it.
 */
public record FetchTarget(PartitionRef ref, TopicPartition topicPartition, FetchPosition position) {
}
