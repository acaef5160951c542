package io.sluice.transactions.producer;

/**
 * What the table remembers about one written data batch: enough to recognise a retry of it and to
 * answer that retry with the offsets the batch was originally given.
 *
 * <p>{@code lastSeq} may be smaller than {@code firstSeq} when the batch wrapped past
 * {@link Integer#MAX_VALUE}; sequences are compared for equality only, never ordered.
 */
public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {

    public BatchMetadata {
        if (firstOffset < 0 || lastOffset < firstOffset) {
            throw new IllegalArgumentException("bad offsets " + firstOffset + ".." + lastOffset);
        }
    }

    boolean hasSequences(int first, int last) {
        return firstSeq == first && lastSeq == last;
    }
}
