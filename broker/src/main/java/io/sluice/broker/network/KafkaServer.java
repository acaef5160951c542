package io.sluice.broker.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The Kafka listener: {@code int32 size + payload} frames, decoded into requests and served by the
 * router. The NIO transport is used on purpose: it hands {@link SendRegion} the real socket channel,
 * which is what lets fetches go out with sendfile.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

    private final EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("sluice-accept", true));
    private final EventLoopGroup workers;
    private Channel serverChannel;
    private int sendBufferBytes = -1;
    private int receiveBufferBytes = -1;

    public KafkaServer(int networkThreads) {
        this.workers = new NioEventLoopGroup(networkThreads, new DefaultThreadFactory("sluice-network", true));
    }

    /**
     * Kafka's {@code socket.send.buffer.bytes} / {@code socket.receive.buffer.bytes} for client connections; -1
     * leaves the operating system's default. Call before {@link #start}.
     */
    public KafkaServer socketBuffers(int sendBytes, int receiveBytes) {
        this.sendBufferBytes = sendBytes;
        this.receiveBufferBytes = receiveBytes;
        return this;
    }

    /** Binds and returns the bound address (port 0 becomes a real port). */
    public InetSocketAddress start(String host, int port, int maxRequestBytes, ApiRouter router, Executor requestPool)
            throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                // Bound at once (a port-0 listener must know its port early) but accepting nothing
                // until openForClients(): a client must never see ApiVersions before every API is in.
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("frames", new LengthFieldBasedFrameDecoder(maxRequestBytes + 4, 0, 4, 0, 4, true))
                                .addLast("requests", new ConnectionHandler(router, requestPool));
                    }
                });
        if (sendBufferBytes != -1) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, sendBufferBytes);
        }
        if (receiveBufferBytes != -1) {
            // On the listening socket, so that accepted sockets start with it (the TCP window is negotiated early).
            bootstrap.option(ChannelOption.SO_RCVBUF, receiveBufferBytes);
            bootstrap.childOption(ChannelOption.SO_RCVBUF, receiveBufferBytes);
        }
        serverChannel = bootstrap.bind(host, port).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.info("Listening for Kafka clients on {}:{}", bound.getHostString(), bound.getPort());
        return bound;
    }

    /** Starts accepting connections; clients that connected meanwhile wait in the accept backlog. */
    public void openForClients() {
        serverChannel.config().setAutoRead(true);
        serverChannel.read();
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
