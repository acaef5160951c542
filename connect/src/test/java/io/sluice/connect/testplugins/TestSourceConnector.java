package io.sluice.connect.testplugins;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.source.SourceConnector;

import java.util.Map;

/**
 * What the test source connectors share: they keep their config for their tasks, declare no settings and own no
 * resources; each says only which task runs and how many copies of the config it gets.
 */
public abstract class TestSourceConnector extends SourceConnector {
    protected Map<String, String> config;

    @Override
    public void start(Map<String, String> props) {
        config = props;
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
}
