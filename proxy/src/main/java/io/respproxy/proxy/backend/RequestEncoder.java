package io.respproxy.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Builds the few requests the proxy sends on its own (handshake, probes) as RESP multibulk. */
public final class RequestEncoder {

    private RequestEncoder() {}

    public static ByteBuf encode(ByteBufAllocator alloc, Object... args) {
        ByteBuf out = alloc.buffer(16 + args.length * 16);
        out.writeByte('*').writeCharSequence(Integer.toString(args.length), StandardCharsets.US_ASCII);
        out.writeByte('\r').writeByte('\n');
        for (Object arg : args) {
            byte[] bytes = arg instanceof byte[] b ? b : String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
            out.writeByte('$').writeCharSequence(Integer.toString(bytes.length), StandardCharsets.US_ASCII);
            out.writeByte('\r').writeByte('\n');
            out.writeBytes(bytes);
            out.writeByte('\r').writeByte('\n');
        }
        return out;
    }
}
