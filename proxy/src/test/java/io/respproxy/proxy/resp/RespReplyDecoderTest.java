package io.respproxy.proxy.resp;

import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.respproxy.proxy.resp.RespReply.ErrorKind;
import io.respproxy.proxy.resp.RespReply.Kind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
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

class RespReplyDecoderTest {

    private static Supplier<ChannelHandler[]> decoder(RespLimits limits) {
        return () -> new ChannelHandler[] {new RespReplyDecoder(limits)};
    }

    /** Kind, error kind and frame of a reply; or "ERROR: message". */
    private static String describe(Object msg) {
        if (msg instanceof RespProtocolError error) {
            return "ERROR: " + error.message();
        }
        RespReply reply = (RespReply) msg;
        return reply.kind() + (reply.isError() ? "/" + reply.errorKind() : "") + " " + string(reply.frame());
    }

    private static List<String> decodeAll(String input) {
        return decodeAllWays(decoder(RespLimits.BACKEND), bytes(input), RespReplyDecoderTest::describe);
    }

    /** Every RESP2 and RESP3 type, each a separate reply, pipelined in one stream. */
    private static final List<String> EVERY_TYPE = List.of(
            "+OK\r\n",
            "-ERR unknown command\r\n",
            ":1000\r\n",
            ":-1\r\n",
            "$5\r\nhello\r\n",
            "$0\r\n\r\n",
            "$4\r\n\r\n\r\n\r\n",
            "$-1\r\n",
            "*-1\r\n",
            "*0\r\n",
            "*3\r\n$1\r\na\r\n:1\r\n*2\r\n+x\r\n$-1\r\n",
            "_\r\n",
            ",3.14\r\n",
            ",-inf\r\n",
            "#t\r\n",
            "(3492890328409238509324850943850943825024385\r\n",
            "=15\r\ntxt:Some string\r\n",
            "%2\r\n+first\r\n:1\r\n+second\r\n%1\r\n+nested\r\n~2\r\n:1\r\n:2\r\n",
            "~3\r\n+a\r\n+b\r\n%0\r\n",
            // attribute before the reply belongs to it
            "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
            // attribute inside an aggregate is no element
            "*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n",
            "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n",
            "*?\r\n:1\r\n*?\r\n+a\r\n.\r\n%?\r\n+k\r\n:1\r\n.\r\n.\r\n",
            "~?\r\n.\r\n");

    @Test
    void everyTypeIsOneReplyWithItsExactBytes() {
        List<String> expected = new ArrayList<>();
        for (String reply : EVERY_TYPE) {
            expected.add((reply.startsWith("-") ? "ERROR/OTHER " : "NORMAL ") + reply);
        }
        // every split of each reply on its own; the whole stream whole and one byte at a time
        // (every split of the whole stream is quadratic, and PARANOID tracking makes each read slow)
        for (int i = 0; i < EVERY_TYPE.size(); i++) {
            assertEquals(List.of(expected.get(i)), decodeAll(EVERY_TYPE.get(i)));
        }
        assertEquals(expected, decodeWholeAndByteByByte(String.join("", EVERY_TYPE)));
    }

    private static List<String> decodeWholeAndByteByByte(String input) {
        byte[] all = bytes(input);
        int[] everyByte = new int[all.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        List<String> whole = decode(decoder(RespLimits.BACKEND), all, new int[0], RespReplyDecoderTest::describe);
        assertEquals(whole, decode(decoder(RespLimits.BACKEND), all, everyByte, RespReplyDecoderTest::describe));
        return whole;
    }

    @Test
    void pushesAndErrorsAreClassified() {
        assertEquals(List.of(
                        "PUSH >3\r\n+message\r\n+chan\r\n$2\r\nhi\r\n",
                        "PUSH |1\r\n+a\r\n+b\r\n>2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n",
                        "NORMAL *1\r\n>1\r\n+nested push is just an element\r\n",
                        "ERROR/MOVED -MOVED 3999 127.0.0.1:6381\r\n",
                        "ERROR/ASK -ASK 3999 127.0.0.1:6381\r\n",
                        "ERROR/TRYAGAIN -TRYAGAIN Multiple keys request during rehashing of slot\r\n",
                        "ERROR/CLUSTERDOWN -CLUSTERDOWN The cluster is down\r\n",
                        "ERROR/READONLY -READONLY You can't write against a read only replica.\r\n",
                        "ERROR/LOADING -LOADING Redis is loading the dataset in memory\r\n",
                        "ERROR/NOAUTH -NOAUTH Authentication required.\r\n",
                        "ERROR/MASTERDOWN -MASTERDOWN Link with MASTER is down\r\n",
                        "ERROR/BUSY -BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n",
                        "ERROR/OTHER -BUSYGROUP Consumer Group name already exists\r\n",
                        "ERROR/OTHER -MOVEDX\r\n",
                        "ERROR/OTHER -ASKING\r\n",
                        "ERROR/OTHER -WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                        "ERROR/MOVED !24\r\nMOVED 12 10.0.0.1:7000\r\n\r\n",
                        "ERROR/OTHER |1\r\n+a\r\n+b\r\n-ERR with attribute\r\n"),
                decodeWholeAndByteByByte(">3\r\n+message\r\n+chan\r\n$2\r\nhi\r\n"
                        + "|1\r\n+a\r\n+b\r\n>2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n"
                        + "*1\r\n>1\r\n+nested push is just an element\r\n"
                        + "-MOVED 3999 127.0.0.1:6381\r\n"
                        + "-ASK 3999 127.0.0.1:6381\r\n"
                        + "-TRYAGAIN Multiple keys request during rehashing of slot\r\n"
                        + "-CLUSTERDOWN The cluster is down\r\n"
                        + "-READONLY You can't write against a read only replica.\r\n"
                        + "-LOADING Redis is loading the dataset in memory\r\n"
                        + "-NOAUTH Authentication required.\r\n"
                        + "-MASTERDOWN Link with MASTER is down\r\n"
                        + "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
                        + "-BUSYGROUP Consumer Group name already exists\r\n"
                        + "-MOVEDX\r\n-ASKING\r\n"
                        + "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
                        + "!24\r\nMOVED 12 10.0.0.1:7000\r\n\r\n"
                        + "|1\r\n+a\r\n+b\r\n-ERR with attribute\r\n"));
    }

    @Test
    void replyHelpers() {
        EmbeddedChannel channel = new EmbeddedChannel(new RespReplyDecoder(RespLimits.BACKEND));
        channel.writeInbound(channel.alloc().buffer().writeBytes(bytes(
                "+OK\r\n+OKAY\r\n:-42\r\n-MOVED 3999 127.0.0.1:6381\r\n-ASK 1 [::1]:7000\r\n-MOVED 5 :6380\r\n"
                        + "$3\r\nabc\r\n|1\r\n+a\r\n+b\r\n+PONG\r\n")));
        RespReply ok = channel.readInbound();
        assertTrue(ok.isSimpleString("OK"));
        assertFalse(ok.isSimpleString("PONG"));
        RespReply okay = channel.readInbound();
        assertFalse(okay.isSimpleString("OK"));
        RespReply integer = channel.readInbound();
        assertEquals(-42, integer.integerValue());
        RespReply moved = channel.readInbound();
        assertEquals(new RespReply.Redirect(false, 3999, "127.0.0.1", 6381), moved.redirect());
        assertEquals("MOVED 3999 127.0.0.1:6381", moved.text());
        RespReply ask = channel.readInbound();
        assertEquals(new RespReply.Redirect(true, 1, "::1", 7000), ask.redirect());
        RespReply movedNoHost = channel.readInbound();
        assertEquals(new RespReply.Redirect(false, 5, "", 6380), movedNoHost.redirect());
        RespReply bulk = channel.readInbound();
        assertEquals("abc", bulk.text());
        assertEquals('$', bulk.type());
        RespReply pong = channel.readInbound();
        assertTrue(pong.isSimpleString("PONG"), "attributes are skipped by the helpers");
        for (RespReply r : List.of(ok, okay, integer, moved, ask, movedNoHost, bulk, pong)) {
            assertTrue(r.release());
        }
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void bigArrayAcrossManyBuffersIsOneReply() {
        StringBuilder reply = new StringBuilder("*20000\r\n");
        for (int i = 0; i < 20_000; i++) {
            reply.append(i % 3 == 0 ? ":" + i + "\r\n" : "$" + Integer.toString(i).length() + "\r\n" + i + "\r\n");
        }
        byte[] input = bytes(reply + "+OK\r\n");
        int[] splits = new int[input.length / 200 - 1];
        for (int i = 0; i < splits.length; i++) {
            splits[i] = (i + 1) * 200 - (i % 7); // uneven chunks
        }
        List<String> out = decode(decoder(RespLimits.BACKEND), input, splits, RespReplyDecoderTest::describe);
        assertEquals(List.of("NORMAL " + reply, "NORMAL +OK\r\n"), out);
    }

    /**
     * What Lua gives for a table that contains itself: Redis nests "*1" until the Lua stack runs
     * out (7,995 levels in 7.0.15), then an error; the Redis suite's "Script return recursive
     * object" reads it all. The default limit forwards it whole.
     */
    @Test
    void aScriptsRecursiveTableIsForwardedAtTheDefaultDepth() {
        int levels = 7_995;
        String reply = "*1\r\n".repeat(levels) + "-ERR reached lua stack limit\r\n";
        RespLimits defaults = new RespLimits(1024, 1024, 1024, 10_000);
        byte[] all = bytes(reply + "+OK\r\n");
        // whole, and split inside the run of headers and inside the error (every split would be
        // quadratic in 32 KB)
        for (int[] splits : new int[][] {{}, {3, 16_001, all.length - 10}}) {
            assertEquals(List.of("NORMAL " + reply, "NORMAL +OK\r\n"),
                    decode(decoder(defaults), all, splits, RespReplyDecoderTest::describe));
        }
    }

    @Test
    void nestingDepthIsLimited() {
        RespLimits depth3 = new RespLimits(1024, 1024, 1024, 3);
        assertEquals(List.of("NORMAL *1\r\n%1\r\n+k\r\n~1\r\n:1\r\n"),
                decodeAllWays(decoder(depth3), bytes("*1\r\n%1\r\n+k\r\n~1\r\n:1\r\n"), RespReplyDecoderTest::describe));
        // A well-formed reply nested deeper is replaced by an error for its command; the stream goes on.
        String tooDeep = "ERROR/OTHER " + RespReplyDecoder.TOO_DEEP;
        assertEquals(List.of(tooDeep, "NORMAL +OK\r\n"),
                decodeAllWays(decoder(depth3), bytes("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n+OK\r\n"),
                        RespReplyDecoderTest::describe));
        // Below the limit every type is followed with one counter: maps, sets, nulls, empty and
        // nested aggregates, bulk and streamed strings, any depth.
        String deep = "*2\r\n*1\r\n*3\r\n%2\r\n+k\r\n*2\r\n*0\r\n*-1\r\n$1\r\nx\r\n~1\r\n$?\r\n;2\r\nab\r\n;0\r\n"
                + "$-1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n_\r\n:7\r\n";
        assertEquals(List.of(tooDeep, "NORMAL :1\r\n", tooDeep),
                decodeAllWays(decoder(depth3), bytes(deep + ":1\r\n" + deep), RespReplyDecoderTest::describe));
        // At the limit exactly: forwarded as it is.
        assertEquals(List.of("NORMAL *2\r\n*1\r\n*0\r\n:2\r\n"),
                decodeAllWays(decoder(depth3), bytes("*2\r\n*1\r\n*0\r\n:2\r\n"), RespReplyDecoderTest::describe));
        // What the counter cannot follow still fails the connection: a too-deep push ...
        assertEquals(List.of("ERROR: Protocol error: reply nesting too deep"),
                decodeAllWays(decoder(depth3), bytes(">1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"), RespReplyDecoderTest::describe));
        // ... and a streamed aggregate below the limit.
        assertEquals(List.of("ERROR: Protocol error: reply nesting too deep"),
                decodeAllWays(decoder(depth3), bytes("*1\r\n*1\r\n*1\r\n*?\r\n:1\r\n.\r\n"), RespReplyDecoderTest::describe));
        // an attribute is a level too
        assertEquals(List.of("ERROR: Protocol error: reply nesting too deep"),
                decodeAllWays(decoder(depth3), bytes("*1\r\n*1\r\n*1\r\n|1\r\n+a\r\n+b\r\n:1\r\n"),
                        RespReplyDecoderTest::describe));
    }

    @Test
    void lengthsAndCountsAreLimited() {
        RespLimits small = new RespLimits(10, 5, 20, 8);
        Supplier<ChannelHandler[]> d = decoder(small);
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"),
                decodeAllWays(d, bytes("$11\r\n"), RespReplyDecoderTest::describe));
        assertEquals(List.of("ERROR: Protocol error: invalid multibulk length"),
                decodeAllWays(d, bytes("*6\r\n"), RespReplyDecoderTest::describe));
        assertEquals(List.of("ERROR: Protocol error: invalid multibulk length"),
                decodeAllWays(d, bytes("%6\r\n"), RespReplyDecoderTest::describe));
        assertEquals(List.of("ERROR: Protocol error: too big reply line"),
                decodeAllWays(d, bytes("+" + "x".repeat(30)), RespReplyDecoderTest::describe));
        assertEquals(List.of("ERROR: Protocol error: invalid streamed string chunk"),
                decodeAllWays(d, bytes("$?\r\n;11\r\n"), RespReplyDecoderTest::describe));
    }

    @Test
    void malformedRepliesFailOnceAndStop() {
        String after = "+OK\r\n:1\r\n";
        assertEquals(List.of("NORMAL +OK\r\n", "ERROR: Protocol error: unexpected reply type '@'"),
                decodeAll("+OK\r\n@foo\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"), decodeAll("$-2\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid bulk length"), decodeAll("$abc\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid bulk format"), decodeAll("$3\r\nabcd\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid multibulk length"), decodeAll("%-1\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: unexpected streamed aggregate end"), decodeAll(".\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: unexpected streamed aggregate end"),
                decodeAll("*2\r\n:1\r\n.\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid reply line"), decodeAll("+OK\rX" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid reply line"), decodeAll("\r\n" + after));
        assertEquals(List.of("ERROR: Protocol error: invalid streamed string chunk"),
                decodeAll("$?\r\n:4\r\n" + after));
    }
}
