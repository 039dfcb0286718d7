package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds bytes to a decoder in an EmbeddedChannel whole, split at every byte position, and one byte
 * at a time; checks every way gives the same messages; releases every message and checks it was
 * the last reference.
 */
final class DecoderHarness {

    private DecoderHarness() {}

    /** Decoded messages described as strings, identical in every feeding mode (else the test fails). */
    static List<String> decodeAllWays(Supplier<ChannelHandler[]> handlers, byte[] input,
                                      Function<Object, String> describe) {
        List<String> whole = decode(handlers, input, new int[0], describe);
        for (int split = 1; split < input.length; split++) {
            assertEquals(whole, decode(handlers, input, new int[] {split}, describe), "split at " + split);
        }
        int[] everyByte = new int[Math.max(0, input.length - 1)];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertEquals(whole, decode(handlers, input, everyByte, describe), "one byte at a time");
        return whole;
    }

    /** Decodes {@code input} delivered in chunks ending at {@code splits}. */
    static List<String> decode(Supplier<ChannelHandler[]> handlers, byte[] input, int[] splits,
                               Function<Object, String> describe) {
        EmbeddedChannel channel = new EmbeddedChannel(handlers.get());
        List<String> result = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= splits.length; i++) {
            int to = i < splits.length ? splits[i] : input.length;
            // allocated from the channel's (pooled, leak-tracked) allocator like real reads
            ByteBuf chunk = channel.alloc().buffer(to - from).writeBytes(input, from, to - from);
            channel.writeInbound(chunk);
            drain(channel, result, describe);
            from = to;
        }
        assertFalse(channel.finish(), "no message left after finish");
        return result;
    }

    static void drain(EmbeddedChannel channel, List<String> result, Function<Object, String> describe) {
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            try {
                result.add(describe.apply(msg));
            } finally {
                if (ReferenceCountUtil.refCnt(msg) > 0) {
                    assertTrue(ReferenceCountUtil.release(msg), "emitted message holds the last reference: " + msg);
                }
            }
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String string(ByteBuf buf) {
        return buf.toString(buf.readerIndex(), buf.readableBytes(), StandardCharsets.ISO_8859_1);
    }
}
