package io.sluice.cli.platform;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/** Whether a listener binds loopback only (the default until Sluice has TLS and authentication). */
final class Loopback {
    private Loopback() {
    }

    static boolean isLoopbackListener(String listener) {
        return isLoopbackHost(URI.create(listener.trim()).getHost());
    }

    static boolean isLoopbackHost(String host) {
        if (host == null || host.isEmpty()) {
            return false; // PLAINTEXT://:9092 binds every interface
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
