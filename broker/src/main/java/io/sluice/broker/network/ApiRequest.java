package io.sluice.broker.network;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

import java.net.InetAddress;

/** One decoded request as a handler sees it. */
public record ApiRequest(RequestHeader header, AbstractRequest body, String connectionId, InetAddress clientAddress) {

    public short version() {
        return header.apiVersion();
    }

    public String clientId() {
        return header.clientId() == null ? "" : header.clientId();
    }

    @SuppressWarnings("unchecked")
    public <T extends AbstractRequest> T body(Class<T> type) {
        return (T) body;
    }
}
