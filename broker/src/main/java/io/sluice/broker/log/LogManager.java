package io.sluice.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Owns every partition log on this broker. Partition directories are {@code <log.dir>/<topic>-<partition>};
 * a new partition goes to the log dir holding the fewest partitions.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);

    private final List<Path> logDirs;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();

    public LogManager(List<Path> logDirs) {
        this.logDirs = List.copyOf(logDirs);
        for (Path dir : logDirs) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create log dir " + dir, e);
            }
        }
    }

    /** Partition directories found on disk, for loading at start-up. */
    public List<TopicPartition> partitionsOnDisk() {
        List<TopicPartition> found = new ArrayList<>();
        for (Path dir : logDirs) {
            try (Stream<Path> children = Files.list(dir)) {
                children.filter(Files::isDirectory).forEach(child -> parse(child.getFileName().toString()).ifPresent(found::add));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found;
    }

    static Optional<TopicPartition> parse(String dirName) {
        int dash = dirName.lastIndexOf('-');
        if (dash <= 0 || dash == dirName.length() - 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TopicPartition(dirName.substring(0, dash), Integer.parseInt(dirName.substring(dash + 1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public PartitionLog getOrCreate(TopicPartition tp, Function<TopicPartition, LogConfig> config) {
        return logs.computeIfAbsent(tp, p -> {
            Path dir = existingDir(p).orElseGet(() -> leastLoadedDir().resolve(p.topic() + "-" + p.partition()));
            PartitionLog opened = PartitionLog.open(dir, p, config.apply(p));
            log.info("Opened log {} at {} (log end offset {})", p, dir, opened.logEndOffset());
            return opened;
        });
    }

    public Optional<PartitionLog> get(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<PartitionLog> all() {
        return logs.values();
    }

    /** Closes and deletes a partition's directory. */
    public void delete(TopicPartition tp) {
        PartitionLog removed = logs.remove(tp);
        Optional<Path> dir = removed != null ? Optional.of(removed.dir()) : existingDir(tp);
        if (removed != null) {
            removed.close();
        }
        dir.ifPresent(LogManager::deleteRecursively);
        log.info("Deleted log {}", tp);
    }

    private Optional<Path> existingDir(TopicPartition tp) {
        String name = tp.topic() + "-" + tp.partition();
        return logDirs.stream().map(d -> d.resolve(name)).filter(Files::isDirectory).findFirst();
    }

    private Path leastLoadedDir() {
        return logDirs.stream()
                .min(Comparator.comparingLong(d -> logs.values().stream().filter(l -> l.dir().startsWith(d)).count()))
                .orElseThrow();
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void flushAll() {
        logs.values().forEach(PartitionLog::flush);
    }

    @Override
    public void close() {
        for (PartitionLog l : logs.values()) {
            try {
                l.flush();
                l.close();
            } catch (RuntimeException e) {
                log.warn("Failed to close log {}", l.topicPartition(), e);
            }
        }
        logs.clear();
    }
}
