package io.respproxy.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one aggregated HTTP request per call. {@link SimpleChannelInboundHandler} releases the
 * request; the response buffer is released by the outbound pipeline once written (or on failure).
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHttpHandler.class);

    private final AdminRoutes routes;

    AdminHttpHandler(AdminRoutes routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        AdminRoutes.Response response;
        if (request.decoderResult().isSuccess() && request.method().equals(HttpMethod.POST)) {
            var version = request.protocolVersion();
            if (request.headers().contains(HttpHeaderNames.ORIGIN)) {
                // A browser sends Origin: a web page must not fail the master over through a
                // loopback admin port. Operators use curl or respproxy switchover.
                respond(ctx, version, false, false, new AdminRoutes.Response(HttpResponseStatus.FORBIDDEN,
                        "text/plain", "actions are not taken from browsers\n"));
                return;
            }
            // An action (a switchover) takes seconds: answered when done, off this thread, and
            // the connection closed after it so no later response overtakes it.
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            ctx.channel().config().setAutoRead(false);
            routes.post(uri.path(), uri.parameters()).whenComplete((r, e) -> ctx.executor().execute(() ->
                    respond(ctx, version, false, false, e == null ? r : new AdminRoutes.Response(
                            HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain", "error\n"))));
            return;
        }
        if (!request.decoderResult().isSuccess()) {
            response = new AdminRoutes.Response(HttpResponseStatus.BAD_REQUEST, "text/plain", "bad request\n");
        } else if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            response = new AdminRoutes.Response(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain",
                    "use GET (POST for /services/NAME/switchover)\n");
        } else {
            try {
                response = routes.route(new QueryStringDecoder(request.uri()).path());
            } catch (RuntimeException e) {
                log.warn("admin request {} failed", request.uri(), e);
                response = new AdminRoutes.Response(HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain", "error\n");
            }
        }
        respond(ctx, request.protocolVersion(), HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess(),
                request.method().equals(HttpMethod.HEAD), response);
    }

    private static void respond(ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpVersion version,
                                boolean keepAlive, boolean head, AdminRoutes.Response response) {
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse http = new DefaultFullHttpResponse(version, response.status(), body);
        http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        HttpUtil.setKeepAlive(http, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(http, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close(); // an abandoned scrape connection must not hold a socket forever
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
