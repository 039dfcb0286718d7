package io.respproxy.proxy.admin;

import com.codahale.metrics.MetricRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin HTTP port: {@code /healthz}, {@code /readyz}, {@code /metrics} (Prometheus text
 * format) and {@code /topology} (JSON). It runs on its own one-thread event loop so a scrape never
 * delays the data path, and a busy data path never stalls a health check.
 */
public final class AdminServer implements AutoCloseable {
    /** Requests are tiny GETs; anything bigger is not for us. */
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    private static final int IDLE_SECONDS = 60;

    private final InetSocketAddress listen;
    private final AdminRoutes routes;
    private EventLoopGroup group;
    private Channel serverChannel;

    /**
     * @param listen     where to bind (port 0: any free port, see {@link #start()})
     * @param metrics    the registry /metrics exposes
     * @param readiness  /readyz answers 200 while this returns true, 503 otherwise (body {@code {"ready":...}})
     * @param topology   /topology returns this JSON document
     */
    public AdminServer(InetSocketAddress listen, MetricRegistry metrics, BooleanSupplier readiness, Supplier<String> topology) {
        this(listen, metrics, readiness, topology, (service, timeout) -> java.util.concurrent.CompletableFuture
                .failedFuture(new java.util.NoSuchElementException("no service named '" + service + "'")));
    }

    /**
     * @param switchovers runs {@code POST /services/NAME/switchover}
     */
    public AdminServer(InetSocketAddress listen, MetricRegistry metrics, BooleanSupplier readiness, Supplier<String> topology,
                       Switchovers switchovers) {
        this(listen, metrics, List.of(), () -> ReadyState.of(readiness.getAsBoolean()), topology, switchovers);
    }

    /**
     * @param metrics    process-wide metrics, exported through the simpleclient's Dropwizard bridge
     * @param collectors labelled families /metrics adds (the data plane's, per service)
     * @param readiness  /readyz answers 200 or 503 as this says, with its JSON body
     */
    public AdminServer(InetSocketAddress listen, MetricRegistry metrics, List<? extends Collector> collectors,
                       Supplier<ReadyState> readiness, Supplier<String> topology, Switchovers switchovers) {
        this.listen = listen;
        // A private registry, not CollectorRegistry.defaultRegistry: no global state, and two
        // daemons in one JVM (tests) do not see each other's metrics.
        CollectorRegistry registry = new CollectorRegistry();
        new DropwizardExports(metrics).register(registry);
        for (Collector c : collectors) {
            c.register(registry);
        }
        this.routes = new AdminRoutes(registry, readiness, topology, switchovers);
    }

    /**
     * Binds and starts serving.
     *
     * @return the bound address (the real port when the configured one was 0)
     * @throws InterruptedException if interrupted while binding
     * @throws IllegalStateException if already started
     */
    public synchronized InetSocketAddress start() throws InterruptedException {
        if (group != null) {
            throw new IllegalStateException("admin server already started");
        }
        group = new NioEventLoopGroup(1, new DefaultThreadFactory("respproxy-admin", true));
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                    .addLast(new AdminHttpHandler(routes));
                        }
                    });
            serverChannel = bootstrap.bind(listen).sync().channel();
            return (InetSocketAddress) serverChannel.localAddress();
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    /** Stops listening and closes every admin connection. Idempotent. */
    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
            serverChannel = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            group = null;
        }
    }
}
