package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static io.respproxy.proxy.resp.DecoderHarness.bytes;
import static io.respproxy.proxy.resp.DecoderHarness.decode;
import static io.respproxy.proxy.resp.DecoderHarness.decodeAllWays;
import static io.respproxy.proxy.resp.DecoderHarness.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RespRequestDecoderTest {

    private static Supplier<ChannelHandler[]> decoder(RespLimits limits) {
        return () -> new ChannelHandler[] {new RespRequestDecoder(limits)};
    }

    /** Arguments of a request joined by '|', and its frame; or "ERROR: message". */
    private static String describe(Object msg) {
        if (msg instanceof RespProtocolError error) {
            return "ERROR: " + error.message();
        }
        RespRequest request = (RespRequest) msg;
        List<String> args = new ArrayList<>();
        for (int i = 0; i < request.size(); i++) {
            args.add(request.asString(i));
            // the slice accessor and the CommandArgs accessors agree
            assertEquals(request.asString(i), string(request.arg(i)));
        }
        return String.join("|", args) + " <= " + string(request.frame());
    }

    private static List<String> decodeAll(String input) {
        return decodeAllWays(decoder(RespLimits.DEFAULT), bytes(input), RespRequestDecoderTest::describe);
    }

    @Test
    void multibulkFrameIsForwardedAsReceived() {
        String frame = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n";
        assertEquals(List.of("SET|k|value <= " + frame), decodeAll(frame));
    }

    @Test
    void pipelinedFramesInOneBuffer() {
        StringBuilder input = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String value = "v".repeat(i);
            String set = "*3\r\n$3\r\nSET\r\n$5\r\nkey:" + (char) ('a' + i) + "\r\n$" + i + "\r\n" + value + "\r\n";
            String get = "*2\r\n$3\r\nGET\r\n$5\r\nkey:" + (char) ('a' + i) + "\r\n";
            input.append(set).append(get);
            expected.add("SET|key:" + (char) ('a' + i) + "|" + value + " <= " + set);
            expected.add("GET|key:" + (char) ('a' + i) + " <= " + get);
        }
        byte[] all = bytes(input.toString());
        // whole and one byte at a time for the 16-deep pipeline (PARANOID tracking makes every split slow)
        int[] everyByte = new int[all.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertEquals(expected, decode(decoder(RespLimits.DEFAULT), all, new int[0], RespRequestDecoderTest::describe));
        assertEquals(expected, decode(decoder(RespLimits.DEFAULT), all, everyByte, RespRequestDecoderTest::describe));
        // every split position on the first four pairs
        int fourPairs = 0;
        for (int i = 0; i < 8; i++) {
            fourPairs += expected.get(i).length() - expected.get(i).indexOf(" <= ") - 4;
        }
        assertEquals(expected.subList(0, 8), decodeAll(input.substring(0, fourPairs)));
    }

    @Test
    void emptyAndBinarySafeBulks() {
        String frame = "*4\r\n$3\r\nSET\r\n$0\r\n\r\n$6\r\na\r\n\0b*\r\n$2\r\n$1\r\n";
        assertEquals(List.of("SET||a\r\n\0b*|$1 <= " + frame), decodeAll(frame));
    }

    @Test
    void emptyMultibulkIsIgnoredLikeRedis() {
        assertEquals(List.of("PING <= *1\r\n$4\r\nPING\r\n"), decodeAll("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n"));
    }

    @Test
    void inlineCommandsBecomeMultibulk() {
        assertEquals(List.of(
                        "PING <= *1\r\n$4\r\nPING\r\n",
                        "SET|a|b <= *3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n",
                        "GET|x <= *2\r\n$3\r\nGET\r\n$1\r\nx\r\n"),
                decodeAll("PING\r\nSET  a \t b\n\r\n   \r\n\nGET x\r\n"));
    }

    @Test
    void inlineQuotingFollowsRedis() {
        assertEquals(List.of("SET|a b|c d|A\n\t\"q\\|it's|x\r\7\b|ab"
                        + " <= *7\r\n$3\r\nSET\r\n$3\r\na b\r\n$3\r\nc d\r\n$6\r\nA\n\t\"q\\\r\n$4\r\nit's\r\n"
                        + "$4\r\nx\r\7\b\r\n$2\r\nab\r\n"),
                decodeAll("SET \"a b\" 'c d' \"\\x41\\n\\t\\\"q\\\\\" 'it\\'s' \"x\\r\\a\\b\" a\"b\"\r\n"));
    }

    @Test
    void inlineThenMultibulkInOneBuffer() {
        assertEquals(List.of("PING <= *1\r\n$4\r\nPING\r\n", "ECHO|hi <= *2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"),
                decodeAll("PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"));
    }

    @Test
    void protocolErrorsAreWordedLikeRedisAndStopTheDecoder() {
        String ping = "*1\r\n$4\r\nPING\r\n";
        String pingOk = "PING <= " + ping;
        String after = "PING\r\n" + ping; // must never be decoded
        assertEquals(List.of(pingOk, "ERROR: Protocol error: invalid multibulk length"),
                decodeAll(ping + "*abc\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid multibulk length"), decodeAll("*01\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid multibulk length"), decodeAll("*1\rX" + after));
        assertEquals(List.of("ERROR: Protocol error: expected '$', got ':'"),
                decodeAll("*3\r\n$3\r\nSET\r\n:1\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"), decodeAll("*1\r\n$-5\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"), decodeAll("*1\r\n$+5\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid bulk format"), decodeAll("*1\r\n$3\r\nabcXY" + after));
        assertEquals(List.of(pingOk, "ERROR: Protocol error: unbalanced quotes in request"),
                decodeAll(ping + "SET \"abc\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: unbalanced quotes in request"),
                decodeAll("SET 'a'b\r\n" + after));
    }

    @Test
    void tooLongLinesAreRejectedAtTheLimit() {
        RespLimits small = new RespLimits(1024, 100, 64, 1);
        Supplier<ChannelHandler[]> d = decoder(small);
        assertEquals(List.of("ERROR: Protocol error: too big inline request"),
                decodeAllWays(d, bytes("x".repeat(65) + "\r\nPING\r\n"), RespRequestDecoderTest::describe));
        assertEquals(List.of("ERROR: Protocol error: too big inline request"),
                decodeAllWays(d, bytes("x".repeat(100)), RespRequestDecoderTest::describe));
        assertEquals(List.of("x".repeat(64) + " <= *1\r\n$64\r\n" + "x".repeat(64) + "\r\n"),
                decodeAllWays(d, bytes("x".repeat(64) + "\r\n"), RespRequestDecoderTest::describe));
        assertEquals(List.of("ERROR: Protocol error: too big mbulk count string"),
                decodeAllWays(d, bytes("*" + "1".repeat(100)), RespRequestDecoderTest::describe));
        assertEquals(List.of("ERROR: Protocol error: too big bulk count string"),
                decodeAllWays(d, bytes("*1\r\n$" + "1".repeat(100)), RespRequestDecoderTest::describe));
    }

    @Test
    void bulkOverTheLimitIsRejectedFromItsHeaderAlone() {
        // 600 MB declared, 512 MB allowed: refused as soon as the header line is complete
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"),
                decodeAll("*2\r\n$3\r\nGET\r\n$600000000\r\n"));
        RespLimits oneKb = new RespLimits(1024, 100, 1024, 1);
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"),
                decodeAllWays(decoder(oneKb), bytes("*2\r\n$3\r\nGET\r\n$1025\r\n"), RespRequestDecoderTest::describe));
        // at the limit it is accepted (and waited for)
        assertEquals(List.of(), decodeAllWays(decoder(oneKb), bytes("*2\r\n$3\r\nGET\r\n$1024\r\nabc"),
                RespRequestDecoderTest::describe));
        // a length that does not fit in 64 bits, or in an int
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"),
                decodeAll("*1\r\n$99999999999999999999999\r\n"));
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"), decodeAll("*1\r\n$4294967296\r\n"));
    }

    @Test
    void arrayOverTheLimitIsRejectedFromItsHeaderAlone() {
        RespLimits limits = new RespLimits(1024, 1_000_000, 1024, 1);
        assertEquals(List.of("ERROR: Protocol error: invalid multibulk length"),
                decodeAllWays(decoder(limits), bytes("*2000000\r\n"), RespRequestDecoderTest::describe));
        assertEquals(List.of("ERROR: Protocol error: invalid multibulk length"), decodeAll("*2147483648\r\n"));
        // within the limit, a huge announced count allocates nothing up front: it just waits
        assertEquals(List.of(), decode(decoder(limits), bytes("*1000000\r\n$3\r\nfoo\r\n"), new int[0],
                RespRequestDecoderTest::describe));
        // an inline command counts its arguments too
        assertEquals(List.of("ERROR: Protocol error: invalid multibulk length"),
                decodeAllWays(decoder(RespLimits.PRE_AUTH), bytes("a b c d e f g h i j k\r\n"),
                        RespRequestDecoderTest::describe));
    }

    @Test
    void manyArgumentsGrowTheOffsetTable() {
        StringBuilder frame = new StringBuilder("*1000\r\n$4\r\nMSET\r\n");
        StringBuilder expected = new StringBuilder("MSET");
        for (int i = 1; i < 1000; i++) {
            frame.append('$').append(Integer.toString(i).length()).append("\r\n").append(i).append("\r\n");
            expected.append('|').append(i);
        }
        List<String> out = decode(decoder(RespLimits.DEFAULT), bytes(frame.toString()), new int[] {7, 100, 3000},
                RespRequestDecoderTest::describe);
        assertEquals(List.of(expected + " <= " + frame), out);
    }

    @Test
    void limitsSwitchAfterAuthForTheVeryNextFrame() {
        StringBuilder big = new StringBuilder("*20\r\n");
        for (int i = 0; i < 20; i++) {
            big.append("$1\r\nx\r\n");
        }
        String auth = "*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n";
        // without AUTH handling the pre-auth limit refuses 20 arguments
        assertEquals(List.of("AUTH|secret <= " + auth, "ERROR: Protocol error: invalid multibulk length"),
                decodeAllWays(decoder(RespLimits.PRE_AUTH), bytes(auth + big), RespRequestDecoderTest::describe));
        // a handler that relaxes the limits while handling AUTH: the pipelined next frame is accepted
        Supplier<ChannelHandler[]> withAuth = () -> {
            RespRequestDecoder decoder = new RespRequestDecoder(RespLimits.PRE_AUTH);
            return new ChannelHandler[] {decoder, new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof RespRequest r && r.equalsIgnoreCase(0, "AUTH")) {
                        decoder.setLimits(RespLimits.DEFAULT);
                    }
                    ctx.fireChannelRead(msg);
                }
            }};
        };
        List<String> out = decodeAllWays(withAuth, bytes(auth + big), RespRequestDecoderTest::describe);
        assertEquals(2, out.size(), out::toString);
        assertTrue(out.get(1).startsWith("x|x|x"), out.get(1));
    }

    @Test
    void largeValueInManyChunksIsScannedOnce() {
        int size = 16 * 1024 * 1024;
        byte[] header = bytes("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + size + "\r\n");
        EmbeddedChannel channel = new EmbeddedChannel(new RespRequestDecoder(RespLimits.DEFAULT));
        channel.writeInbound(channel.alloc().buffer().writeBytes(header));
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) '\r'); // CRs in the payload must not confuse the framing
        for (int sent = 0; sent < size; sent += chunk.length) {
            channel.writeInbound(channel.alloc().buffer(chunk.length).writeBytes(chunk));
            assertNull(channel.readInbound());
        }
        channel.writeInbound(channel.alloc().buffer().writeBytes(bytes("\r\n*1\r\n$4\r\nPING\r\n")));
        RespRequest set = channel.readInbound();
        assertEquals(3, set.size());
        assertEquals(size, set.length(2));
        assertEquals('\r', set.byteAt(2, size - 1));
        assertEquals(header.length + size + 2, set.frame().readableBytes());
        assertTrue(set.release());
        RespRequest ping = channel.readInbound();
        assertTrue(ping.equalsIgnoreCase(0, "PING"));
        assertTrue(ping.release());
        assertFalse(channel.finish());
    }

    @Test
    void commandArgsViewOfADecodedRequest() {
        EmbeddedChannel channel = new EmbeddedChannel(new RespRequestDecoder(RespLimits.DEFAULT));
        channel.writeInbound(channel.alloc().buffer().writeBytes(bytes("*3\r\n$6\r\nexpire\r\n$1\r\nk\r\n$3\r\n-42\r\n")));
        RespRequest r = channel.readInbound();
        assertTrue(r.equalsIgnoreCase(0, "EXPIRE"));
        assertEquals(-42, r.parseLong(2, 0));
        assertEquals(0, r.parseLong(1, 0));
        assertEquals("k", new String(r.argBytes(1), StandardCharsets.UTF_8));
        // accessors do not depend on the frame's reader index (it moves when the frame is written)
        ByteBuf frame = r.frame();
        frame.skipBytes(5);
        assertTrue(r.equalsIgnoreCase(0, "EXPIRE"));
        assertTrue(r.release());
        assertFalse(channel.finish());
    }

    /** Pauses the decoder after each request it takes, as the session does when it must make one wait. */
    private static final class PausingSink extends ChannelInboundHandlerAdapter {
        final List<String> got = new ArrayList<>();
        RespRequestDecoder decoder;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            got.add(((RespRequest) msg).asString(1));
            ((RespRequest) msg).release();
            decoder.pause();
        }
    }

    @Test
    void aPausedDecoderKeepsWhatFollowsAsRawBytesUntilResumed() {
        RespRequestDecoder decoder = new RespRequestDecoder(RespLimits.DEFAULT);
        PausingSink sink = new PausingSink();
        sink.decoder = decoder;
        EmbeddedChannel ch = new EmbeddedChannel(decoder, sink);
        String three = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*2\r\n$3\r\nGET\r\n$1\r\nc\r\n";
        ch.writeInbound(io.netty.buffer.Unpooled.copiedBuffer(three, StandardCharsets.US_ASCII));
        assertEquals(List.of("a"), sink.got);
        assertTrue(decoder.paused());
        assertEquals(2 * "*2\r\n$3\r\nGET\r\n$1\r\nb\r\n".length(), decoder.bufferedBytes());
        decoder.resume();
        assertEquals(List.of("a", "b"), sink.got);
        // The last request of the input is handed on too (callDecode leaves it to its caller).
        decoder.resume();
        assertEquals(List.of("a", "b", "c"), sink.got);
        assertEquals(0, decoder.bufferedBytes());
        // Resumed with nothing left: nothing happens, and the next read decodes as usual.
        decoder.resume();
        ch.writeInbound(io.netty.buffer.Unpooled.copiedBuffer("*2\r\n$3\r\nGET\r\n$1\r\nd\r\n", StandardCharsets.US_ASCII));
        assertEquals(List.of("a", "b", "c", "d"), sink.got);
        assertFalse(ch.finish());
    }

    /** Counts the reads the pipeline asks the channel for (autoRead off: each is one socket read). */
    private static final class ReadCounter extends io.netty.channel.ChannelOutboundHandlerAdapter {
        int reads;

        @Override
        public void read(ChannelHandlerContext ctx) {
            reads++;
            ctx.read();
        }
    }

    @Test
    void aPausedDecoderAsksForNoFurtherRead() {
        RespRequestDecoder decoder = new RespRequestDecoder(RespLimits.DEFAULT);
        PausingSink sink = new PausingSink();
        sink.decoder = decoder;
        ReadCounter counter = new ReadCounter();
        EmbeddedChannel ch = new EmbeddedChannel(counter, decoder, sink);
        ch.config().setAutoRead(false);
        int before = counter.reads;
        ch.writeInbound(io.netty.buffer.Unpooled.copiedBuffer("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n",
                StandardCharsets.US_ASCII));
        ch.writeInbound(io.netty.buffer.Unpooled.copiedBuffer("*2\r\n$3\r\nGET\r\n$1\r\nc\r\n", StandardCharsets.US_ASCII));
        // The first request went on and paused the decoder; the rest stays raw, and no read is asked
        // for (ByteToMessageDecoder asks for one after a read that decoded nothing with autoRead off).
        assertEquals(List.of("a"), sink.got);
        assertEquals(before, counter.reads);
        decoder.resume();
        decoder.resume();
        assertEquals(List.of("a", "b", "c"), sink.got);
        assertFalse(ch.finish());
    }
}
