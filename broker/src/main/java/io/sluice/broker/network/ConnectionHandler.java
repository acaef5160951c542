package io.sluice.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One client connection. Requests are served one at a time, in arrival order, so responses leave in
 * request order as Kafka's protocol requires; pipelined requests wait in a queue, and reading pauses
 * when the queue is long (back-pressure instead of unbounded memory). Handlers run on the request
 * pool, never on this event loop.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    private static final int MAX_QUEUED = 16;

    private final ApiRouter router;
    private final Executor requestPool;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean serving;
    private String connectionId;
    private ChannelHandlerContext ctx;

    ConnectionHandler(ApiRouter router, Executor requestPool) {
        this.router = router;
        this.requestPool = requestPool;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.connectionId = ctx.channel().localAddress() + "-" + ctx.channel().remoteAddress();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        ApiRequest request;
        try {
            request = decode(frame.nioBuffer());
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
        if (request == null) {
            frame.release();
            return;
        }
        // The frame stays alive until the response is out: a parsed request's records point into it,
        // so a produce goes from the socket buffer to the segment file without another copy.
        queue.add(new Pending(request, frame));
        if (queue.size() >= MAX_QUEUED) {
            ctx.channel().config().setAutoRead(false);
        }
        serveNext();
    }

    private record Pending(ApiRequest request, ByteBuf frame) {
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The request being served releases its own frame when it finishes; the rest were never started.
        while (queue.size() > (serving ? 1 : 0)) {
            queue.pollLast().frame().release();
        }
        ctx.fireChannelInactive();
    }

    private ApiRequest decode(ByteBuffer buffer) {
        RequestHeader header;
        try {
            header = RequestHeader.parse(buffer);
        } catch (RuntimeException e) {
            close("an unreadable request header (" + e.getMessage() + ")");
            return null;
        }
        ApiKeys api = header.apiKey();
        short version = header.apiVersion();
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        if (!router.supports(api, version)) {
            if (api == ApiKeys.API_VERSIONS) {
                // Kafka answers an ApiVersions it cannot parse with a v0 response listing what it
                // does support, so that newer clients can fall back.
                ApiVersionsResponse response = new ApiVersionsResponse(new ApiVersionsResponseData()
                        .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                        .setApiKeys(router.advertised()));
                RequestHeader v0 = new RequestHeader(ApiKeys.API_VERSIONS, (short) 0, header.clientId(), header.correlationId());
                write(v0, response);
                return null;
            }
            if (api.isVersionSupported(version)) {
                try {
                    AbstractRequest body = AbstractRequest.parseRequest(api, version, new ByteBufferAccessor(buffer)).request;
                    log.debug("Unsupported {} v{} from {}", api, version, remote);
                    write(header, body.getErrorResponse(new UnsupportedVersionException(
                            "Sluice does not support " + api + " version " + version)));
                    return null;
                } catch (RuntimeException e) {
                    log.debug("Unparseable unsupported {} v{} from {}: {}", api, version, remote, e.toString());
                }
            }
            close("unsupported API " + api + " version " + version);
            return null;
        }
        try {
            AbstractRequest body = AbstractRequest.parseRequest(api, version, new ByteBufferAccessor(buffer)).request;
            return new ApiRequest(header, body, connectionId, remote == null ? null : remote.getAddress());
        } catch (RuntimeException e) {
            close("a malformed " + api + " v" + version + " request (" + e.getMessage() + ")");
            return null;
        }
    }

    private void serveNext() {
        if (serving || queue.isEmpty() || !ctx.channel().isActive()) {
            return;
        }
        serving = true;
        Pending pending = queue.peek();
        ApiRequest request = pending.request();
        ApiHandler handler = router.handler(request.header().apiKey());
        CompletableFuture.supplyAsync(() -> handler.handle(request), requestPool)
                .thenCompose(f -> f)
                .whenComplete((response, error) -> ctx.executor().execute(() -> finish(pending, response, error)));
    }

    private void finish(Pending pending, AbstractResponse response, Throwable error) {
        ApiRequest request = pending.request();
        queue.poll();
        serving = false;
        try {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof CloseConnection) {
                    close(cause.getMessage());
                    return;
                }
                log.error("Failed to serve {} from {}", request.header(), connectionId, cause);
                response = request.body().getErrorResponse(cause);
            }
            if (response != null && ctx.channel().isActive()) {
                respond(request, response);
            }
        } finally {
            pending.frame().release();
        }
        if (queue.size() < MAX_QUEUED && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
        serveNext();
    }

    private void write(RequestHeader header, AbstractResponse response) {
        ctx.writeAndFlush(new SendRegion(response.toSend(header.toResponseHeader(), header.apiVersion())));
    }

    /**
     * Writes the response; if it cannot be encoded at the client's version (a handler set a field that
     * version lacks), answers with the request's generic error response instead, and if even that
     * fails closes the connection, so that a client never waits for an answer that will not come.
     */
    private void respond(ApiRequest request, AbstractResponse response) {
        try {
            write(request.header(), response);
        } catch (RuntimeException e) {
            log.error("Cannot encode the {} v{} response for {}; answering with an error", request.header().apiKey(),
                    request.version(), connectionId, e);
            try {
                write(request.header(), request.body().getErrorResponse(e));
            } catch (RuntimeException again) {
                close("no encodable response for " + request.header().apiKey() + " v" + request.version());
            }
        }
    }

    private void close(String reason) {
        log.warn("Closing connection {}: {}", connectionId, reason);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            close("request frame larger than socket.request.max.bytes (" + cause.getMessage() + ")");
        } else if (cause instanceof java.io.IOException) {
            log.debug("Connection {} failed: {}", connectionId, cause.toString());
            ctx.close();
        } else {
            log.warn("Closing connection {} after an error", connectionId, cause);
            ctx.close();
        }
    }
}
