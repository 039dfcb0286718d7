package io.respproxy.proxy.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Native epoll where the platform has it, NIO elsewhere; chosen once at start. */
public record Transport(String name, Class<? extends ServerSocketChannel> serverChannel,
                        Class<? extends SocketChannel> clientChannel, boolean epoll) {

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    public static Transport detect() {
        boolean nioAsked = Boolean.getBoolean("respproxy.nio");
        if (Epoll.isAvailable() && !nioAsked) {
            return new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class, true);
        }
        if (!nioAsked && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            // Netty unpacks its native library to java.io.tmpdir and loads it from there: a /tmp
            // mounted noexec, or a sandbox without it, costs the epoll transport.
            log.warn("native epoll transport unavailable, using NIO: {}", Epoll.unavailabilityCause().toString());
        }
        return new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class, false);
    }

    public EventLoopGroup group(int threads, String prefix) {
        DefaultThreadFactory tf = new DefaultThreadFactory(prefix, true);
        return epoll ? new EpollEventLoopGroup(threads, tf) : new NioEventLoopGroup(threads, tf);
    }
}
