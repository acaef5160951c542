package io.sluice.transactions.producer;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The producer state of a partition as of a log offset, and its file format.
 *
 * <p>{@code offset} is the first offset the snapshot does <em>not</em> cover: to rebuild the table,
 * load the snapshot and replay the log from {@code offset}.
 *
 * <p>File format, version 2, all integers big-endian:
 * <pre>
 *   int16 version            = 2
 *   int32 crc                CRC32C of every byte after this field
 *   int32 bodyLength         bytes after this field
 *   body:
 *     int64 offset
 *     int32 producerCount
 *     producerCount times:
 *       int64 producerId
 *       int16 epoch
 *       int64 lastTimestamp
 *       int64 currentTxnFirstOffset     -1 if no open transaction
 *       int64 currentTxnStartTimestamp  -1 if no open transaction
 *       int64 lastMarkerOffset          -1 if none
 *       int32 coordinatorEpoch          of the last marker, -1 if none   (version 2 and later)
 *       int8  batchCount                0..5, oldest first
 *       batchCount times:
 *         int32 firstSeq, int32 lastSeq, int64 firstOffset, int64 lastOffset, int64 timestamp
 * </pre>
 * Unlike Kafka's snapshot, which keeps only each producer's last batch, all retained batches are
 * stored so that duplicate detection survives a restart.
 *
 * <p>Compatibility: snapshots are always written in the current version, and every older version
 * is still read, so a broker upgraded over old snapshots loads them instead of replaying its logs.
 * Version 1 has no {@code coordinatorEpoch}: its producers load with -1, which any marker passes,
 * until their next marker records one. An unknown (newer) version is not loadable, like a corrupt file.
 *
 * <p>A reader trusts nothing it has not checked: the length catches torn writes, the CRC catches bit
 * flips, and every failure is a {@link CorruptSnapshotException} so the caller can fall back.
 * Writes go to a temporary file that is fsynced and renamed over the target, so a crash leaves either
 * the old file, the new file or a stray {@code .tmp} that {@link ProducerSnapshotFiles} ignores.
 */
public record ProducerStateSnapshot(long offset, List<ProducerState> producers) {

    /** The version written. */
    public static final short VERSION = 2;
    /** The first version, without the coordinator epoch of the last marker. */
    static final short VERSION_WITHOUT_COORDINATOR_EPOCH = 1;

    private static final int HEADER_BYTES = 2 + 4 + 4;
    private static final int CRC_POSITION = 2;
    private static final int CRC_COVERS_FROM = 6;
    private static final int PRODUCER_BYTES_V1 = 8 + 2 + 8 + 8 + 8 + 8 + 1;
    private static final int PRODUCER_BYTES = PRODUCER_BYTES_V1 + 4;
    private static final int BATCH_BYTES = 4 + 4 + 8 + 8 + 8;

    public ProducerStateSnapshot {
        producers = List.copyOf(producers);
        if (offset < 0) {
            throw new IllegalArgumentException("negative snapshot offset " + offset);
        }
    }

    /** Writes the table's current state as of {@code offset}, atomically and durably. */
    public static void write(Path file, long offset, ProducerStateTable table) throws IOException {
        write(file, new ProducerStateSnapshot(offset, table.state()));
    }

    public static void write(Path file, ProducerStateSnapshot snapshot) throws IOException {
        ByteBuffer bytes = snapshot.encode();
        Path tmp = file.resolveSibling(file.getFileName() + ProducerSnapshotFiles.TEMP_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(file.toAbsolutePath().getParent());
    }

    public static ProducerStateSnapshot read(Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file));
        if (buffer.remaining() < HEADER_BYTES) {
            throw new CorruptSnapshotException(file, "only " + buffer.remaining() + " bytes");
        }
        short version = buffer.getShort(0);
        if (version != VERSION && version != VERSION_WITHOUT_COORDINATOR_EPOCH) {
            throw new CorruptSnapshotException(file, "unknown version " + version);
        }
        int bodyLength = buffer.getInt(CRC_COVERS_FROM);
        if (bodyLength != buffer.remaining() - HEADER_BYTES) {
            throw new CorruptSnapshotException(file, "body length " + bodyLength + " but file holds "
                    + (buffer.remaining() - HEADER_BYTES) + " bytes after the header");
        }
        int storedCrc = buffer.getInt(CRC_POSITION);
        int actualCrc = crc(buffer.array(), CRC_COVERS_FROM, buffer.remaining() - CRC_COVERS_FROM);
        if (storedCrc != actualCrc) {
            throw new CorruptSnapshotException(file, String.format("crc %08x, expected %08x", actualCrc, storedCrc));
        }
        buffer.position(HEADER_BYTES);
        try {
            ProducerStateSnapshot snapshot = decodeBody(buffer, version);
            if (buffer.hasRemaining()) {
                throw new CorruptSnapshotException(file, buffer.remaining() + " trailing bytes");
            }
            return snapshot;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            // The CRC matched, so this is a writer bug rather than disk damage; still not loadable.
            throw new CorruptSnapshotException(file, "malformed body: " + e);
        }
    }

    private ByteBuffer encode() {
        int size = HEADER_BYTES + 8 + 4;
        for (ProducerState producer : producers) {
            size += PRODUCER_BYTES + producer.batches().size() * BATCH_BYTES;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.putShort(VERSION).putInt(0).putInt(size - HEADER_BYTES);
        buffer.putLong(offset).putInt(producers.size());
        for (ProducerState producer : producers) {
            buffer.putLong(producer.producerId())
                    .putShort(producer.epoch())
                    .putLong(producer.lastTimestamp())
                    .putLong(producer.currentTxnFirstOffset())
                    .putLong(producer.currentTxnStartTimestamp())
                    .putLong(producer.lastMarkerOffset())
                    .putInt(producer.coordinatorEpoch())
                    .put((byte) producer.batches().size());
            for (BatchMetadata batch : producer.batches()) {
                buffer.putInt(batch.firstSeq()).putInt(batch.lastSeq())
                        .putLong(batch.firstOffset()).putLong(batch.lastOffset()).putLong(batch.timestamp());
            }
        }
        buffer.putInt(CRC_POSITION, crc(buffer.array(), CRC_COVERS_FROM, size - CRC_COVERS_FROM));
        return buffer.flip();
    }

    private static ProducerStateSnapshot decodeBody(ByteBuffer buffer, short version) {
        boolean withCoordinatorEpoch = version > VERSION_WITHOUT_COORDINATOR_EPOCH;
        int producerBytes = withCoordinatorEpoch ? PRODUCER_BYTES : PRODUCER_BYTES_V1;
        long offset = buffer.getLong();
        int count = buffer.getInt();
        if (count < 0 || (long) count * producerBytes > buffer.remaining()) {
            throw new IllegalArgumentException("producer count " + count);
        }
        List<ProducerState> producers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long producerId = buffer.getLong();
            short epoch = buffer.getShort();
            long lastTimestamp = buffer.getLong();
            long txnFirstOffset = buffer.getLong();
            long txnStartTimestamp = buffer.getLong();
            long lastMarkerOffset = buffer.getLong();
            int coordinatorEpoch = withCoordinatorEpoch ? buffer.getInt() : -1;
            int batchCount = buffer.get();
            List<BatchMetadata> batches = new ArrayList<>(Math.max(0, batchCount));
            for (int b = 0; b < batchCount; b++) {
                batches.add(new BatchMetadata(buffer.getInt(), buffer.getInt(), buffer.getLong(), buffer.getLong(),
                        buffer.getLong()));
            }
            producers.add(new ProducerState(producerId, epoch, batches, lastTimestamp, txnFirstOffset,
                    txnStartTimestamp, lastMarkerOffset, coordinatorEpoch));
        }
        return new ProducerStateSnapshot(offset, producers);
    }

    private static int crc(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }

    /** Without this the rename itself may be lost in a crash, leaving only the older snapshot. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
