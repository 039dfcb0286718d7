package io.respproxy.proxy.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.respproxy.proxy.resp.RespRequestDecoder;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.routing.route.ListenerRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty side of a client connection: channel events in, {@link ClientSession} calls out. */
public final class ClientChannelHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ClientChannelHandler.class);

    private final ClientSession session;

    public ClientChannelHandler(ServiceRuntime service, String listener, ListenerRole role, RespRequestDecoder decoder) {
        this.session = new ClientSession(service, listener, role, decoder);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session.start(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        session.onMessage(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        session.readComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && session.closeIfIdle()) {
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("client id={} error", session.id(), cause); // the peer reset or went away
        } else {
            // A fault of the proxy's own: the client loses its connection, the log says why.
            log.warn("client id={} closed after an unexpected error", session.id(), cause);
        }
        ctx.close();
    }
}
