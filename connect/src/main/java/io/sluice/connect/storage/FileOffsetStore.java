package io.sluice.connect.storage;

import org.apache.kafka.connect.errors.ConnectException;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Source offsets of a standalone worker ({@code offset.storage.file.filename}), in the file format of Kafka
 * Connect's standalone mode — a Java-serialized {@code HashMap<byte[], byte[]>} of JSON keys
 * {@code ["<connector>",{partition}]} to JSON offsets — so a worker can take over the offsets file of an Apache
 * Kafka Connect standalone worker, and back. Every write replaces the file atomically, so a crash leaves the
 * previous or the new offsets, never a torn file.
 */
public final class FileOffsetStore implements OffsetStore {
    /** Reading accepts nothing but the map and byte arrays: the file is data, not code. */
    private static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter(
            "java.util.HashMap;java.util.Map$Entry;[B;maxdepth=3;!*");

    private final Path file;
    private final Map<ByteBuffer, ByteBuffer> data = new HashMap<>();

    public FileOffsetStore(Path file) {
        this.file = file;
        load();
    }

    @Override
    public synchronized ByteBuffer get(ByteBuffer key) {
        return data.get(key);
    }

    @Override
    public synchronized Map<ByteBuffer, ByteBuffer> all() {
        return new HashMap<>(data);
    }

    /** Adds {@code entries} (null values delete) and writes the whole file before returning. */
    @Override
    public synchronized void putAll(Map<ByteBuffer, ByteBuffer> entries) {
        if (entries.isEmpty()) {
            return;
        }
        entries.forEach((key, value) -> {
            if (value == null) {
                data.remove(key);
            } else {
                data.put(key, value);
            }
        });
        save();
    }

    @SuppressWarnings("unchecked")
    private void load() {
        try (InputStream in = Files.newInputStream(file); ObjectInputStream objects = new ObjectInputStream(in)) {
            objects.setObjectInputFilter(FILTER);
            Map<byte[], byte[]> raw = (Map<byte[], byte[]>) objects.readObject();
            raw.forEach((key, value) -> data.put(ByteBuffer.wrap(key), value == null ? null : ByteBuffer.wrap(value)));
        } catch (NoSuchFileException e) {
            // A first start: no offsets yet.
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            throw new ConnectException("Cannot read offsets file " + file + ": " + e, e);
        }
    }

    private void save() {
        Map<byte[], byte[]> raw = new HashMap<>();
        data.forEach((key, value) -> raw.put(array(key), value == null ? null : array(value)));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            try (OutputStream out = Files.newOutputStream(tmp); ObjectOutputStream objects = new ObjectOutputStream(out)) {
                objects.writeObject(raw);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ConnectException("Cannot write offsets file " + file + ": " + e, e);
        }
    }

    private static byte[] array(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
