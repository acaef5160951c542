package io.sluice.mirror.checkpoint;

import io.sluice.mirror.formats.OffsetSync;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class OffsetTranslatorTest {
    static final TopicPartition TP = new TopicPartition("orders", 0);

    /** A source with committed records at the given offsets only; a target whose end follows its last record by one marker. */
    record FakeTail(Optional<Boolean> hasRecords, long targetEnd) implements OffsetTranslator.Tail {
        @Override
        public Optional<Boolean> sourceHasRecords(TopicPartition upstream, long from, long to) {
            return hasRecords;
        }

        @Override
        public long downstreamAfter(TopicPartition upstream, long lastMirrored) {
            return targetEnd;
        }
    }

    @Test
    void translatesExactlyBetweenSyncsAcrossGapsOnEitherSide() {
        OffsetTranslator translator = new OffsetTranslator();
        // upstream 0..9 -> downstream 0..9; upstream 10 is a marker; 11..19 -> 10..18 (delta -1);
        // the target got a marker after downstream 18, so upstream 20.. -> 20.. (delta 0); newest mirrored: 29 -> 29
        translator.add(new OffsetSync(TP, 0, 0));
        translator.add(new OffsetSync(TP, 9, 9));
        translator.add(new OffsetSync(TP, 11, 10));
        translator.add(new OffsetSync(TP, 19, 18));
        translator.add(new OffsetSync(TP, 20, 20));
        translator.add(new OffsetSync(TP, 29, 29));
        FakeTail unused = new FakeTail(Optional.empty(), -1);
        assertThat(translator.translate(TP, 0, unused)).hasValue(0);
        assertThat(translator.translate(TP, 5, unused)).hasValue(5);
        assertThat(translator.translate(TP, 10, unused)).hasValue(10); // the marker: next record is upstream 11 -> 10
        assertThat(translator.translate(TP, 11, unused)).hasValue(10);
        assertThat(translator.translate(TP, 15, unused)).hasValue(14);
        assertThat(translator.translate(TP, 20, unused)).hasValue(20);
        assertThat(translator.translate(TP, 25, unused)).hasValue(25);
        assertThat(translator.translate(TP, 29, unused)).hasValue(29);
    }

    @Test
    void clampsToTheNextSyncWhenTheSourceSkippedMoreThanTheTarget() {
        OffsetTranslator translator = new OffsetTranslator();
        translator.add(new OffsetSync(TP, 0, 0));
        translator.add(new OffsetSync(TP, 1, 1));
        // upstream 2..99 compacted away: record 100 -> downstream 2
        translator.add(new OffsetSync(TP, 100, 2));
        assertThat(translator.translate(TP, 50, new FakeTail(Optional.empty(), -1))).hasValue(2);
    }

    @Test
    void pastTheNewestSyncOnlyWhenTheSourceHasNothingUnmirrored() {
        OffsetTranslator translator = new OffsetTranslator();
        translator.add(new OffsetSync(TP, 0, 0));
        translator.add(new OffsetSync(TP, 99, 99));
        assertThat(translator.translate(TP, 100, new FakeTail(Optional.of(false), 101))).hasValue(101);
        assertThat(translator.translate(TP, 150, new FakeTail(Optional.of(true), 101))).isEmpty();
        assertThat(translator.translate(TP, 150, new FakeTail(Optional.empty(), 101))).isEmpty();
        assertThat(translator.translate(new TopicPartition("other", 0), 5, new FakeTail(Optional.of(false), 0)))
                .isEqualTo(OptionalLong.empty());
    }

    @Test
    void beforeTheFirstMirroredRecordMapsToIt() {
        OffsetTranslator translator = new OffsetTranslator();
        translator.add(new OffsetSync(TP, 500, 0));
        translator.add(new OffsetSync(TP, 510, 10));
        assertThat(translator.translate(TP, 3, new FakeTail(Optional.empty(), -1))).hasValue(0);
    }
}
