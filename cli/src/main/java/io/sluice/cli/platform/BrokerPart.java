package io.sluice.cli.platform;

import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The platform's broker, with its embedded ZooKeeper unless {@code zookeeper.connect} is set. */
final class BrokerPart implements Part {
    private final Broker broker;
    private final Admin admin;

    private BrokerPart(Broker broker) {
        this.broker = broker;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000));
    }

    static BrokerPart start(BrokerConfig config) {
        Broker broker = Broker.start(config);
        try {
            return new BrokerPart(broker);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    /** What a client bootstraps from: the address the broker actually listens on (port 0 resolved). */
    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    @Override
    public String name() {
        return "broker";
    }

    @Override
    public String address() {
        return broker.bootstrapServers();
    }

    @Override
    public boolean loopbackOnly() {
        return broker.config().listeners().stream().allMatch(Loopback::isLoopbackListener);
    }

    @Override
    public String openWith() {
        return "broker.listeners=PLAINTEXT://0.0.0.0:" + broker.port() + " (and broker.advertised.listeners)";
    }

    @Override
    public boolean answers() {
        try {
            return !admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000)).nodes()
                    .get(6, TimeUnit.SECONDS).isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception notYet) {
            return false;
        }
    }

    @Override
    public void close() {
        admin.close();
        broker.close();
    }
}
