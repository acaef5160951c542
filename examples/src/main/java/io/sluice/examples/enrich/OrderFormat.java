package io.sluice.examples.enrich;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** How the enrichment job reads an order and writes it enriched: the job's business logic, apart from its plumbing. */
public interface OrderFormat {
    /** The enriched order's value for one input order; throws on an order it cannot read. */
    byte[] enrich(ConsumerRecord<byte[], byte[]> order);
}
