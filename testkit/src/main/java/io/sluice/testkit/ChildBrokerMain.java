package io.sluice.testkit;

import io.sluice.broker.Broker;
import io.sluice.broker.config.BrokerConfig;
import io.sluice.service.ServiceOptions;

import java.util.HashMap;
import java.util.Map;

/**
 * The entry point of a {@link ChildBroker}: {@code --override key=value ...} as {@code sluice broker} takes
 * them, then a broker that runs until SIGTERM. It lives here rather than reusing the CLI's command
 * because the CLI module depends on every component, and the broker's own tests cannot depend on it.
 */
public final class ChildBrokerMain {
    private ChildBrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> settings = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].equals("--override") || i + 1 == args.length || args[i + 1].indexOf('=') <= 0) {
                System.err.println("usage: ChildBrokerMain [--override key=value]...; got " + args[i]);
                System.exit(2);
            }
            String kv = args[++i];
            settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        ServiceOptions.runUntilStopped(Broker.start(BrokerConfig.of(settings)), "sluice-shutdown");
    }
}
