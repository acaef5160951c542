package io.sluice.connect.worker;

import io.sluice.connect.errors.ErrorHandler;
import io.sluice.connect.errors.ProcessingContext;
import io.sluice.connect.errors.Stage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code SinkTaskContext.errantRecordReporter()}: a record the task could not handle goes to the log and the dead
 * letter queue as it was consumed (or, for a record the task made itself, as the converters serialize it). With
 * {@code errors.tolerance=none} the report fails the task. Offsets are committed only after every report made
 * before has reached the dead letter queue, so a failed record is never both skipped and lost.
 */
final class WorkerErrantRecordReporter implements ErrantRecordReporter {
    private static final Logger log = LoggerFactory.getLogger(WorkerErrantRecordReporter.class);

    private final ErrorHandler errors;
    private final RecordConverters converters;
    private final List<CompletableFuture<Void>> pending = new ArrayList<>();

    WorkerErrantRecordReporter(ErrorHandler errors, RecordConverters converters) {
        this.errors = errors;
        this.converters = converters;
    }

    @Override
    public Future<Void> report(SinkRecord record, Throwable error) {
        CompletableFuture<Void> reported = errors.reportFailed(Stage.TASK_PUT, SinkTask.class,
                ProcessingContext.consumed(consumedForm(record)), error);
        synchronized (pending) {
            pending.removeIf(CompletableFuture::isDone);
            pending.add(reported);
        }
        return reported;
    }

    private ConsumerRecord<byte[], byte[]> consumedForm(SinkRecord record) {
        if (record instanceof InternalSinkRecord internal) {
            return internal.consumed();
        }
        String topic = record.topic();
        RecordHeaders headers = converters.toKafka(topic, record.headers());
        byte[] key = converters.key.fromConnectData(topic, headers, record.keySchema(), record.key());
        byte[] value = converters.value.fromConnectData(topic, headers, record.valueSchema(), record.value());
        int partition = record.kafkaPartition() == null ? -1 : record.kafkaPartition();
        long timestamp = record.timestamp() == null ? -1 : record.timestamp();
        return new ConsumerRecord<>(topic, partition, record.kafkaOffset(), timestamp,
                record.timestampType() == null ? TimestampType.NO_TIMESTAMP_TYPE : record.timestampType(),
                key == null ? -1 : key.length, value == null ? -1 : value.length, key, value, headers,
                Optional.empty());
    }

    /** Waits, bounded, for every report made so far; called before offsets are committed. */
    void awaitReports(long timeoutMs) {
        List<CompletableFuture<Void>> waiting;
        synchronized (pending) {
            waiting = new ArrayList<>(pending);
            pending.clear();
        }
        try {
            CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            log.warn("An errant record did not reach the dead letter queue: {}", e.getCause().toString());
        } catch (TimeoutException e) {
            log.warn("Errant records still on their way to the dead letter queue after {} ms", timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
