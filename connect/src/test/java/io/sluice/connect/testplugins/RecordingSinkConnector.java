package io.sluice.connect.testplugins;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A sink that records every value it is given ({@link Recorder}); a value equal to {@code report.value} goes to
 * the errant record reporter, one equal to {@code fail.value} makes {@code put} throw.
 */
public final class RecordingSinkConnector extends SinkConnector {
    private Map<String, String> config;

    @Override
    public void start(Map<String, String> props) {
        config = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return RecordingSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(config);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public String version() {
        return "1.0";
    }

    public static final class RecordingSinkTask extends SinkTask {
        private String connector;
        private String reportValue;
        private String failValue;

        @Override
        public void start(Map<String, String> props) {
            connector = props.get("name");
            reportValue = props.get("report.value");
            failValue = props.get("fail.value");
            Recorder.started(connector);
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            for (SinkRecord record : records) {
                String value = String.valueOf(record.value());
                if (value.equals(failValue)) {
                    throw new ConnectException("put refuses " + value);
                }
                if (value.equals(reportValue)) {
                    context.errantRecordReporter().report(record, new IllegalArgumentException("task rejects " + value));
                    continue;
                }
                Recorder.put(connector, value);
            }
        }

        @Override
        public void stop() {
        }

        @Override
        public String version() {
            return "1.0";
        }
    }
}
