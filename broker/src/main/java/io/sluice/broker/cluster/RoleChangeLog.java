package io.sluice.broker.cluster;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Partition role changes come in bursts (a new {@code __consumer_offsets} gets 50 leaders at once), and one
 * INFO line each drowns a broker's start-up. This coalesces a burst into one line per kind and topic, e.g.
 * "Broker 0: leader of 50 partitions of __consumer_offsets (0-49)"; a burst of one keeps its detailed line,
 * and the details of a larger one go to DEBUG.
 */
public final class RoleChangeLog {
    private record Key(String kind, String topic) {
    }

    private record Change(int partition, String detail) {
    }

    private final Logger log;
    private final ScheduledExecutorService scheduler;
    private final long lingerMs;
    private final Map<Key, List<Change>> pending = new LinkedHashMap<>();
    private boolean flushScheduled;

    /** Lines are written when the caller calls {@link #flush}. */
    public RoleChangeLog(Logger log) {
        this(log, null, 0);
    }

    /** Lines are written {@code lingerMs} after the first change of a burst, on {@code scheduler}. */
    public RoleChangeLog(Logger log, ScheduledExecutorService scheduler, long lingerMs) {
        this.log = log;
        this.scheduler = scheduler;
        this.lingerMs = lingerMs;
    }

    /**
     * @param kind   what happened, as the start of a sentence, e.g. "Broker 0: leader of"
     * @param detail the line to log when this is the only change of its kind and topic in the burst
     */
    public synchronized void add(String kind, TopicPartition tp, String detail) {
        if (!log.isInfoEnabled()) {
            return;
        }
        pending.computeIfAbsent(new Key(kind, tp.topic()), k -> new ArrayList<>()).add(new Change(tp.partition(), detail));
        if (scheduler != null && !flushScheduled) {
            flushScheduled = true;
            try {
                scheduler.schedule(this::flush, lingerMs, TimeUnit.MILLISECONDS);
            } catch (RuntimeException shuttingDown) {
                flush();
            }
        }
    }

    public synchronized void flush() {
        flushScheduled = false;
        for (Map.Entry<Key, List<Change>> e : pending.entrySet()) {
            List<Change> changes = e.getValue();
            if (changes.size() == 1) {
                log.info(changes.get(0).detail());
                continue;
            }
            log.info("{} {} partitions of {} ({})", e.getKey().kind(), changes.size(), e.getKey().topic(),
                    ranges(changes.stream().mapToInt(Change::partition).sorted().distinct().toArray()));
            if (log.isDebugEnabled()) {
                changes.forEach(c -> log.debug(c.detail()));
            }
        }
        pending.clear();
    }

    /** {@code [0,1,2,5,7,8]} as {@code "0-2, 5, 7-8"}. */
    static String ranges(int[] sorted) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < sorted.length; i++) {
            int start = sorted[i];
            while (i + 1 < sorted.length && sorted[i + 1] == sorted[i] + 1) {
                i++;
            }
            if (!out.isEmpty()) {
                out.append(", ");
            }
            out.append(start == sorted[i] ? String.valueOf(start) : start + "-" + sorted[i]);
        }
        return out.toString();
    }
}
