package io.respproxy.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.respproxy.routing.CommandArgs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import static io.respproxy.proxy.resp.DecoderHarness.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RespWriterTest {

    private static String write(Consumer<ByteBuf> writer) {
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer(4);
        try {
            writer.accept(out);
            return string(out);
        } finally {
            out.release();
        }
    }

    @Test
    void scalars() {
        assertEquals("+OK\r\n", write(b -> RespWriter.simpleString(b, "OK")));
        assertEquals("-ERR bad  input\r\n", write(b -> RespWriter.error(b, "ERR bad\r\ninput")));
        assertEquals(":0\r\n", write(b -> RespWriter.integer(b, 0)));
        assertEquals(":-1234567890123\r\n", write(b -> RespWriter.integer(b, -1234567890123L)));
        assertEquals(":9223372036854775807\r\n", write(b -> RespWriter.integer(b, Long.MAX_VALUE)));
        assertEquals(":-9223372036854775808\r\n", write(b -> RespWriter.integer(b, Long.MIN_VALUE)));
        assertEquals("$5\r\nh\u00c3\u00a9lo\r\n", write(b -> RespWriter.bulk(b, "h\u00e9lo")));
        assertEquals("$0\r\n\r\n", write(b -> RespWriter.bulk(b, new byte[0])));
        ByteBuf src = Unpooled.wrappedBuffer("xabc".getBytes(StandardCharsets.US_ASCII)).skipBytes(1);
        assertEquals("$3\r\nabc\r\n", write(b -> RespWriter.bulk(b, src)));
        assertEquals(1, src.readerIndex(), "source not consumed");
    }

    @Test
    void protocolDependentTypes() {
        assertEquals("$-1\r\n", write(b -> RespWriter.nullBulk(b, 2)));
        assertEquals("_\r\n", write(b -> RespWriter.nullBulk(b, 3)));
        assertEquals("*-1\r\n", write(b -> RespWriter.nullArray(b, 2)));
        assertEquals("_\r\n", write(b -> RespWriter.nullArray(b, 3)));
        assertEquals("*3\r\n", write(b -> RespWriter.arrayHeader(b, 3)));
        assertEquals("*4\r\n", write(b -> RespWriter.mapHeader(b, 2, 2)));
        assertEquals("%2\r\n", write(b -> RespWriter.mapHeader(b, 3, 2)));
        assertEquals("*2\r\n", write(b -> RespWriter.setHeader(b, 2, 2)));
        assertEquals("~2\r\n", write(b -> RespWriter.setHeader(b, 3, 2)));
        assertEquals("*3\r\n", write(b -> RespWriter.pushHeader(b, 2, 3)));
        assertEquals(">3\r\n", write(b -> RespWriter.pushHeader(b, 3, 3)));
        assertEquals(":1\r\n", write(b -> RespWriter.bool(b, 2, true)));
        assertEquals("#f\r\n", write(b -> RespWriter.bool(b, 3, false)));
        assertEquals("$3\r\n1.5\r\n", write(b -> RespWriter.doubleValue(b, 2, 1.5)));
        assertEquals(",1.5\r\n", write(b -> RespWriter.doubleValue(b, 3, 1.5)));
        assertEquals(",10\r\n", write(b -> RespWriter.doubleValue(b, 3, 10.0)));
        assertEquals(",inf\r\n", write(b -> RespWriter.doubleValue(b, 3, Double.POSITIVE_INFINITY)));
        assertEquals(",-inf\r\n", write(b -> RespWriter.doubleValue(b, 3, Double.NEGATIVE_INFINITY)));
        assertEquals(",nan\r\n", write(b -> RespWriter.doubleValue(b, 3, Double.NaN)));
        assertEquals("$5\r\na\r\nb\n\r\n", write(b -> RespWriter.verbatim(b, 2, "txt", "a\r\nb\n")));
        assertEquals("=9\r\ntxt:a\r\nb\n\r\n", write(b -> RespWriter.verbatim(b, 3, "txt", "a\r\nb\n")));
        assertThrows(IllegalArgumentException.class, () -> write(b -> RespWriter.verbatim(b, 3, "text", "x")));
    }

    @Test
    void writtenRepliesScanAsOneReplyEach() {
        // what the proxy writes must be what a RESP3 parser accepts: reuse the reply scanner
        String reply = write(b -> {
            RespWriter.mapHeader(b, 3, 2);
            RespWriter.bulk(b, "server");
            RespWriter.verbatim(b, 3, "txt", "respproxy");
            RespWriter.simpleString(b, "list");
            RespWriter.setHeader(b, 3, 3);
            RespWriter.doubleValue(b, 3, -0.25);
            RespWriter.bool(b, 3, true);
            RespWriter.nullBulk(b, 3);
        });
        assertEquals(List.of("NORMAL " + reply), DecoderHarness.decode(
                () -> new io.netty.channel.ChannelHandler[] {new RespReplyDecoder(RespLimits.BACKEND)},
                DecoderHarness.bytes(reply), new int[0],
                m -> "NORMAL " + string(((RespReply) m).frame())));
    }

    @Test
    void sharedRepliesAreIndependentDuplicates() {
        ByteBuf a = SharedReplies.ok();
        ByteBuf b = SharedReplies.ok();
        assertEquals("+OK\r\n", string(a));
        a.skipBytes(a.readableBytes());
        assertEquals("+OK\r\n", string(b), "reading one duplicate does not consume another");
        assertFalse(a.release(), "unreleasable");
        assertEquals("+OK\r\n", string(SharedReplies.ok()));
        assertEquals("-NOAUTH Authentication required.\r\n", string(SharedReplies.noAuth()));
        assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n",
                string(SharedReplies.wrongPass()));
        assertEquals("_\r\n", string(SharedReplies.nullBulk(3)));
        assertEquals("$-1\r\n", string(SharedReplies.nullBulk(2)));
        assertTrue(SharedReplies.pong().isReadOnly());
    }

    @Test
    void redisWordedErrors() {
        CommandArgs args = new CommandArgs() {
            final String[] a = {"FOO", "bar", "x".repeat(200)};

            @Override
            public int size() {
                return a.length;
            }

            @Override
            public int length(int index) {
                return a[index].length();
            }

            @Override
            public byte byteAt(int index, int pos) {
                return (byte) a[index].charAt(pos);
            }
        };
        assertEquals("ERR unknown command 'FOO', with args beginning with: 'bar' '" + "x".repeat(122) + "' ",
                ReplyStrings.unknownCommand(args));
        assertEquals("ERR wrong number of arguments for 'get' command", ReplyStrings.wrongArity("GET"));
    }

    @Test
    void requestsBuiltByTheProxy() {
        RespRequest mget = RespRequest.of(ByteBufAllocator.DEFAULT, "MGET", "a", "bb", "");
        assertEquals("*4\r\n$4\r\nMGET\r\n$1\r\na\r\n$2\r\nbb\r\n$0\r\n\r\n", string(mget.frame()));
        RespRequest sub = mget.select(ByteBufAllocator.DEFAULT, 0, 2);
        assertEquals("*2\r\n$4\r\nMGET\r\n$2\r\nbb\r\n", string(sub.frame()));
        assertEquals("bb", sub.asString(1));
        assertTrue(sub.release());
        assertTrue(mget.release());
    }
}
