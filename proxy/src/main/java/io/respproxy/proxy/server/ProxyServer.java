package io.respproxy.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.respproxy.proxy.resp.RespRequestDecoder;
import io.respproxy.proxy.service.ListenerStats;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.proxy.session.ClientChannelHandler;
import io.respproxy.proxy.service.ClientHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-path listeners of every service, on one set of event loops. A client's channel and the
 * backend connections it uses share its loop.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    private static final byte[] MAX_CLIENTS = "-ERR max number of clients reached\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final int eventLoops;
    private final List<ServiceRuntime> services;
    private final List<ListenerSpec> listeners;
    private final List<Channel> serverChannels = new ArrayList<>();
    /** Each listener's server channel once bound (for /readyz, read on the admin thread). */
    private final java.util.Map<ListenerSpec, Channel> bound = new java.util.concurrent.ConcurrentHashMap<>();

    public ProxyServer(Transport transport, int eventLoops, List<ServiceRuntime> services, List<ListenerSpec> listeners) {
        this.transport = transport;
        this.boss = transport.group(1, "respproxy-accept");
        this.eventLoops = eventLoops <= 0 ? Runtime.getRuntime().availableProcessors() : eventLoops;
        this.workers = transport.group(this.eventLoops, "respproxy-io");
        this.services = List.copyOf(services);
        this.listeners = List.copyOf(listeners);
    }

    /** Starts discovery for every service and binds every listener; throws when a port cannot be bound. */
    public void start() throws InterruptedException {
        for (ServiceRuntime s : services) {
            s.start();
        }
        log.info("network I/O: {} transport, {} event loops", transport.name(), eventLoops);
        if (!transport.epoll() && services.stream().anyMatch(s -> s.sessionSettings().tcpNotsentLowat() > 0)) {
            log.info("limits.tcp-notsent-lowat needs the epoll transport: client sockets keep the kernel's setting");
        }
        for (ListenerSpec l : listeners) {
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 2 * 1024 * 1024))
                    .childHandler(initializer(l));
            Channel ch = b.bind(l.address().host(), l.address().port()).sync().channel();
            serverChannels.add(ch);
            bound.put(l, ch);
            log.info("[{}] listening on {} ({}, role {})", l.service().name(), l.address(), l.name(), l.role());
        }
    }

    /**
     * The listeners of {@code service} not accepting connections now (not bound yet, or closed
     * by a stop), as {@code name (address)}. Any thread.
     */
    public List<String> unboundListeners(ServiceRuntime service) {
        List<String> out = new ArrayList<>();
        for (ListenerSpec l : listeners) {
            if (l.service() == service) {
                Channel ch = bound.get(l);
                if (ch == null || !ch.isActive()) {
                    out.add(l.name() + " (" + l.address() + ")");
                }
            }
        }
        return out;
    }

    private ChannelHandler initializer(ListenerSpec l) {
        ServiceRuntime service = l.service();
        // Created now, so that every listener's series exist (at zero) from the start.
        ListenerStats stats = service.stats().listener(l.name());
        Duration idle = service.sessionSettings().idleTimeout();
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                AtomicInteger open = service.stats().openConnections;
                if (open.incrementAndGet() > service.sessionSettings().maxClients()) {
                    open.decrementAndGet();
                    service.stats().rejectedConnections.increment();
                    stats.rejected(ListenerStats.Rejection.MAXCLIENTS);
                    ch.pipeline().addLast(new RejectHandler());
                    return;
                }
                ch.closeFuture().addListener(f -> open.decrementAndGet());
                if (!idle.isZero()) {
                    ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS));
                }
                RespRequestDecoder decoder = new RespRequestDecoder(service.sessionSettings().preAuthLimits());
                ch.pipeline().addLast("resp-request", decoder);
                ch.pipeline().addLast("session", new ClientChannelHandler(service, l.name(), l.role(), decoder));
            }
        };
    }

    /** Answers like Redis when maxclients is reached, then closes. */
    private static final class RejectHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(MAX_CLIENTS)).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    /**
     * Graceful stop: stop accepting, let clients with commands in flight finish for up to
     * {@code drain}, then close everything.
     */
    public void stop(Duration drain) {
        for (Channel ch : serverChannels) {
            ch.close().awaitUninterruptibly();
        }
        long deadline = System.nanoTime() + drain.toNanos();
        while (System.nanoTime() < deadline && !allIdle()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (ServiceRuntime s : services) {
            for (ClientHandle c : s.sessions().values()) {
                c.close();
            }
            s.close();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private boolean allIdle() {
        for (ServiceRuntime s : services) {
            for (ClientHandle c : s.sessions().values()) {
                if (!c.idle()) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }
}
