package io.sluice.connect.errors;

import io.sluice.connect.metrics.TaskMetrics;
import io.sluice.connect.worker.ConnectorTaskId;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ErrorHandlerTest {
    private static final ConnectorTaskId TASK = new ConnectorTaskId("c", 0);
    private static final ProcessingContext CONTEXT = ProcessingContext.source(
            new SourceRecord(Map.of(), Map.of(), "t", null, "v"));

    private final TaskMetrics metrics = new TaskMetrics(TASK);
    private final List<Failure> reported = new ArrayList<>();

    private ErrorHandler handler(Map<String, String> settings) {
        ErrorReporter recorder = failure -> {
            reported.add(failure);
            return CompletableFuture.completedFuture(null);
        };
        return new ErrorHandler(TASK, ErrorHandlingConfig.of(settings), List.of(recorder), metrics, () -> false);
    }

    @Test
    void aRetriableFailureIsRetriedWithinTheTimeout() {
        ErrorHandler errors = handler(Map.of("errors.retry.timeout.ms", "5000", "errors.retry.delay.max.ms", "10"));
        AtomicInteger calls = new AtomicInteger();
        String result = errors.execute(Stage.TRANSFORMATION, getClass(), CONTEXT, () -> {
            if (calls.incrementAndGet() < 3) {
                throw new RetriableException("not yet");
            }
            return "done";
        });
        assertThat(result).isEqualTo("done");
        assertThat(errors.failed()).isFalse();
        assertThat(calls).hasValue(3);
        assertThat(metrics.retries.sum()).isEqualTo(2);
        assertThat(reported).isEmpty();
    }

    @Test
    void withoutRetriesToleranceNoneFailsAfterReporting() {
        ErrorHandler errors = handler(Map.of());
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> errors.execute(Stage.VALUE_CONVERTER, getClass(), CONTEXT, () -> {
            calls.incrementAndGet();
            throw new RetriableException("flaky");
        })).isInstanceOf(ConnectException.class).hasMessage("Tolerance exceeded in error handler")
                .hasCauseInstanceOf(RetriableException.class);
        assertThat(calls).hasValue(1);
        assertThat(reported).singleElement().satisfies(f -> assertThat(f.stage()).isEqualTo(Stage.VALUE_CONVERTER));
    }

    @Test
    void toleranceAllSkipsAndReportsEveryFailure() {
        ErrorHandler errors = handler(Map.of("errors.tolerance", "ALL"));
        for (int i = 0; i < 3; i++) {
            Object result = errors.execute(Stage.KEY_CONVERTER, getClass(), CONTEXT, () -> {
                throw new DataException("bad");
            });
            assertThat(result).isNull();
            assertThat(errors.failed()).isTrue();
        }
        Object ok = errors.execute(Stage.KEY_CONVERTER, getClass(), CONTEXT, () -> null);
        assertThat(ok).isNull();
        assertThat(errors.failed()).isFalse();
        assertThat(reported).hasSize(3);
        assertThat(metrics.recordsSkipped.sum()).isEqualTo(3);
        assertThat(metrics.recordErrors.sum()).isEqualTo(3);
    }

    @Test
    void onlyConvertersAndTransformsMayFailWithAnyException() {
        ErrorHandler errors = handler(Map.of("errors.tolerance", "all"));
        assertThatThrownBy(() -> errors.execute(Stage.KAFKA_PRODUCE, getClass(), CONTEXT, () -> {
            throw new IllegalStateException("broken");
        })).isInstanceOf(ConnectException.class).hasMessage("Unhandled exception in error handler");
    }

    @Test
    void theErrantRecordPathFailsTheTaskOnlyWithToleranceNone() {
        assertThat(handler(Map.of("errors.tolerance", "all"))
                .reportFailed(Stage.TASK_PUT, getClass(), CONTEXT, new DataException("x"))).isDone();
        assertThatThrownBy(() -> handler(Map.of()).reportFailed(Stage.TASK_PUT, getClass(), CONTEXT,
                new DataException("x"))).hasMessage("Tolerance exceeded in error handler");
        assertThat(reported).hasSize(2);
    }

    @Test
    void describesTheFailureAsKafkaConnectLogsIt() {
        Failure failure = new Failure(TASK, CONTEXT, Stage.TRANSFORMATION, String.class, new DataException("x"), 1);
        assertThat(failure.describe(false)).isEqualTo("Executing stage 'TRANSFORMATION' with class 'java.lang.String'.");
        assertThat(failure.describe(true)).startsWith("Executing stage 'TRANSFORMATION' with class "
                + "'java.lang.String', where source record is = SourceRecord{");
        ProcessingContext consumed = ProcessingContext.consumed(new org.apache.kafka.clients.consumer.ConsumerRecord<>(
                "t", 5, 100, new byte[]{1}, new byte[]{2}));
        Failure sink = new Failure(TASK, consumed, Stage.KEY_CONVERTER, null, new DataException("x"), 1);
        assertThat(sink.describe(false)).isEqualTo("Executing stage 'KEY_CONVERTER' with class 'null'.");
        assertThat(sink.describe(true)).isEqualTo("Executing stage 'KEY_CONVERTER' with class 'null', where consumed "
                + "record is {topic='t', partition=5, offset=100}.");
    }
}
