package io.sluice.examples.enrich;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;

/**
 * Orders as {@code "item,quantity,unitPriceCents"} strings; the enriched order appends
 * {@code ",total=<cents>,source=<partition>:<offset>"}.
 */
public final class CsvOrders implements OrderFormat {
    @Override
    public byte[] enrich(ConsumerRecord<byte[], byte[]> order) {
        String value = new String(order.value(), StandardCharsets.UTF_8);
        String[] fields = value.split(",");
        long quantity = Long.parseLong(fields[1].trim());
        long unitPrice = Long.parseLong(fields[2].trim());
        return (value + ",total=" + (quantity * unitPrice) + ",source=" + order.partition() + ":" + order.offset())
                .getBytes(StandardCharsets.UTF_8);
    }
}
