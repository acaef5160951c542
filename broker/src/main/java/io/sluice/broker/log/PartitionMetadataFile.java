package io.sluice.broker.log;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Kafka's {@code partition.metadata} in a partition directory: {@code version: 0} and
 * {@code topic_id: <id>}. It tells a directory left behind by a deleted topic (its broker was down while
 * the topic was deleted) from one of a topic re-created under the same name.
 */
final class PartitionMetadataFile {
    static final String NAME = "partition.metadata";

    private PartitionMetadataFile() {
    }

    /** The topic id recorded in {@code dir}; empty when there is no (readable) file. */
    static Optional<Uuid> read(Path dir) {
        Path file = dir.resolve(NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith("topic_id:")) {
                    return Optional.of(Uuid.fromString(line.substring("topic_id:".length()).trim()));
                }
            }
            return Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Writes the file through a temporary one, so that a crash leaves the old file or the new one. */
    static void write(Path dir, Uuid topicId) {
        Path file = dir.resolve(NAME);
        Path tmp = dir.resolve(NAME + ".tmp");
        try {
            Files.writeString(tmp, "version: 0\ntopic_id: " + topicId + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }
}
