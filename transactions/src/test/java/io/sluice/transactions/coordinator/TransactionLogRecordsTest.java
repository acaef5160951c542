package io.sluice.transactions.coordinator;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransactionLogRecordsTest {

    private static final TransactionMetadata TXN = new TransactionMetadata("orders-\u00e9", 42L, 41L, (short) 7,
            (short) 6, 60_000, TransactionState.PREPARE_COMMIT,
            Set.of(new TopicPartition("out", 2), new TopicPartition("out", 0), new TopicPartition("__consumer_offsets", 13)),
            1_000L, 2_000L);

    @Test
    void valueRoundTripsEveryField() {
        byte[] value = TransactionLogRecords.value(TXN);
        TransactionMetadata back = TransactionLogRecords.readValue(TXN.transactionalId(), ByteBuffer.wrap(value));
        assertThat(back).isEqualTo(TXN);
        assertThat(back.partitions()).containsExactly(new TopicPartition("__consumer_offsets", 13),
                new TopicPartition("out", 0), new TopicPartition("out", 2));
    }

    @Test
    void keyRoundTripsAndIsVersioned() {
        byte[] key = TransactionLogRecords.key(TXN.transactionalId());
        assertThat(ByteBuffer.wrap(key).getShort()).isEqualTo(TransactionLogRecords.KEY_VERSION);
        assertThat(TransactionLogRecords.readKey(ByteBuffer.wrap(key))).isEqualTo(TXN.transactionalId());
    }

    @Test
    void everyStateSurvivesEncoding() {
        for (TransactionState state : TransactionState.values()) {
            TransactionMetadata m = new TransactionMetadata("t", 1, -1, (short) 0, (short) -1, 10, state, Set.of(), -1, 0);
            assertThat(TransactionLogRecords.readValue("t", ByteBuffer.wrap(TransactionLogRecords.value(m))).state())
                    .isEqualTo(state);
        }
    }

    @Test
    void aNewerVersionWithExtraFieldsIsReadByItsPrefix() {
        byte[] v0 = TransactionLogRecords.value(TXN);
        ByteBuffer v1 = ByteBuffer.allocate(v0.length + 5).put(v0).put(new byte[]{9, 9, 9, 9, 9});
        v1.putShort(0, (short) 1);
        assertThat(TransactionLogRecords.readValue(TXN.transactionalId(), v1.flip())).isEqualTo(TXN);
    }

    @Test
    void truncatedValuesAreRejected() {
        byte[] value = TransactionLogRecords.value(TXN);
        assertThatThrownBy(() -> TransactionLogRecords.readValue("t",
                ByteBuffer.wrap(Arrays.copyOf(value, value.length - 3))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Truncated");
    }

    @Test
    void partitioningMatchesKafka() {
        for (String id : new String[]{"a", "orders", "Aa", "BB", "x".repeat(100)}) {
            assertThat(TransactionLogRecords.partitionFor(id, 50)).isEqualTo(Utils.abs(id.hashCode()) % 50);
        }
        assertThat(TransactionLogRecords.partitionFor("polygenelubricants", 50)).isBetween(0, 49);
    }
}
