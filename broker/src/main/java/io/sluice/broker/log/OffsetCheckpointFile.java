package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A per-log-dir file of one offset per partition, in Kafka's text format so that Kafka tooling reads
 * it:
 * <pre>
 * 0                      (format version)
 * 2                      (number of entries)
 * orders 0 1042          (topic, partition, offset; space separated)
 * orders 1 977
 * </pre>
 * Written to {@code <name>.tmp}, fsynced, then atomically renamed over the old file, so a reader sees
 * either the old or the new content, never a mix. A file that cannot be parsed is reported and treated
 * as absent: every user of these offsets has a safe fallback (recover from the start, start at the
 * first segment).
 */
public final class OffsetCheckpointFile {
    static final String RECOVERY_POINT = "recovery-point-offset-checkpoint";
    static final String LOG_START_OFFSET = "log-start-offset-checkpoint";
    private static final int VERSION = 0;

    private final Path file;

    public OffsetCheckpointFile(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    public synchronized void write(Map<TopicPartition, Long> offsets) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileOutputStream out = new FileOutputStream(tmp.toFile());
             BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))) {
            writer.write(Integer.toString(VERSION));
            writer.newLine();
            writer.write(Integer.toString(offsets.size()));
            writer.newLine();
            for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
                writer.write(e.getKey().topic() + " " + e.getKey().partition() + " " + e.getValue());
                writer.newLine();
            }
            writer.flush();
            out.getFD().sync();
        }
        Utils.atomicMoveWithFallback(tmp, file);
    }

    /** The offsets in the file; empty when there is no file. */
    public synchronized Map<TopicPartition, Long> read() throws IOException {
        if (!Files.exists(file)) {
            return Map.of();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        try {
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
                throw new IOException("Unsupported checkpoint format in " + file);
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (lines.size() - 2 < count) {
                throw new IOException("Checkpoint " + file + " announces " + count + " entries but holds "
                        + (lines.size() - 2));
            }
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (int i = 0; i < count; i++) {
                String[] fields = lines.get(i + 2).trim().split(" ");
                if (fields.length != 3) {
                    throw new IOException("Malformed line " + (i + 3) + " in checkpoint " + file);
                }
                offsets.put(new TopicPartition(fields[0], Integer.parseInt(fields[1])), Long.parseLong(fields[2]));
            }
            return offsets;
        } catch (NumberFormatException e) {
            throw new IOException("Malformed checkpoint " + file, e);
        }
    }
}
