package io.sluice.transactions.producer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A producer-state snapshot file that cannot be trusted: torn write, flipped bits, unknown version.
 * The caller should fall back to an older snapshot or to a full replay of the log.
 */
public class CorruptSnapshotException extends IOException {

    private final Path file;

    public CorruptSnapshotException(Path file, String reason) {
        super("corrupt producer-state snapshot " + file + ": " + reason);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
