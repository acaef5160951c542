package io.sluice.broker.network;

import org.apache.kafka.common.Node;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One blocking connection from this broker to another, for inter-broker requests sent one at a time
 * by a single thread (replica fetching, transaction markers). Connects on first use and again after a
 * failure; any I/O error closes the connection and is thrown to the caller, which decides to retry.
 */
public final class BrokerClient implements AutoCloseable {
    private final Supplier<Optional<Node>> destination;
    private final String clientId;
    private final int readTimeoutMs;
    private volatile Socket socket;
    private int correlationId;

    /**
     * @param destination   where the other broker is now (empty while it is not live)
     * @param readTimeoutMs longest wait for a response (long-polling fetches need more than their max wait)
     */
    public BrokerClient(Supplier<Optional<Node>> destination, String clientId, int readTimeoutMs) {
        this.destination = destination;
        this.clientId = clientId;
        this.readTimeoutMs = readTimeoutMs;
    }

    /** Sends {@code request} at {@code request.version()} and waits for its response. */
    public synchronized AbstractResponse send(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId, ++correlationId);
        ByteBuffer frame = request.serializeWithHeader(header);
        try {
            Socket s = connect();
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int size = in.readInt();
            byte[] response = new byte[size];
            in.readFully(response);
            return AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private Socket connect() throws IOException {
        Socket existing = socket;
        if (existing != null) {
            return existing;
        }
        Node node = destination.get().orElseThrow(() -> new IOException("broker is not live"));
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(node.host(), node.port()), 5_000);
            s.setSoTimeout(readTimeoutMs);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        return s;
    }

    /** Closes the connection (the next send reconnects); safe from any thread. */
    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
