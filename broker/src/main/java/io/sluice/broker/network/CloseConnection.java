package io.sluice.broker.network;

/**
 * A handler's answer that is no response at all: the network layer closes the client's connection,
 * which is how a client experiences a broker that died right after doing the work.
 */
public final class CloseConnection extends RuntimeException {
    public CloseConnection(String reason) {
        super(reason, null, false, false);
    }
}
