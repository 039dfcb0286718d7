package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SubscriptionStateTest {

    /** Every request handed to a state, to check each was released exactly once. */
    private final List<ByteBuf> requests = new ArrayList<>();

    @AfterEach
    void everyRequestReleasedOnce() {
        for (ByteBuf b : requests) {
            assertEquals(0, b.refCnt(), "a kept request was not released");
        }
    }

    private void sent(SubscriptionState s, String command, String... names) {
        StringBuilder wire = new StringBuilder("*" + (names.length + 1) + "\r\n$" + command.length() + "\r\n" + command + "\r\n");
        for (String n : names) {
            wire.append('$').append(n.length()).append("\r\n").append(n).append("\r\n");
        }
        ByteBuf b = Unpooled.copiedBuffer(wire, StandardCharsets.US_ASCII);
        requests.add(b);
        s.sent(command, names.length, b, null);
    }

    /** True when the client is to see the frame. */
    static boolean frame(SubscriptionState s, String frame) {
        ByteBuf b = Unpooled.copiedBuffer(frame, StandardCharsets.US_ASCII);
        try {
            return s.onFrame(b);
        } finally {
            b.release();
        }
    }

    static String confirm(char type, String kind, String channel, int count) {
        String ch = channel == null ? "$-1\r\n" : "$" + channel.length() + "\r\n" + channel + "\r\n";
        return type + "3\r\n$" + kind.length() + "\r\n" + kind + "\r\n" + ch + ":" + count + "\r\n";
    }

    static String confirm(String kind, String channel, int count) {
        return confirm('*', kind, channel, count);
    }

    /** The replayed requests as text, one per command: "SUBSCRIBE a b". */
    private static List<String> replay(SubscriptionState s) {
        List<String> out = new ArrayList<>();
        for (SubscriptionState.Owed o : s.replay(UnpooledByteBufAllocator.DEFAULT)) {
            String[] lines = o.request.toString(StandardCharsets.US_ASCII).split("\r\n");
            StringBuilder sb = new StringBuilder();
            for (int i = 2; i < lines.length; i += 2) {
                sb.append(sb.length() == 0 ? "" : " ").append(lines[i]);
            }
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void theLastUnsubscribeEndsTheModeInResp2AndResp3() {
        for (char type : new char[] {'*', '>'}) {
            SubscriptionState s = new SubscriptionState();
            sent(s, "subscribe", "ch");
            assertTrue(frame(s, confirm(type, "subscribe", "ch", 1)));
            assertFalse(s.over());
            sent(s, "unsubscribe");
            assertTrue(frame(s, confirm(type, "unsubscribe", "ch", 0)));
            assertTrue(s.over());
        }
        SubscriptionState all = new SubscriptionState();
        sent(all, "unsubscribe");
        assertTrue(frame(all, confirm("unsubscribe", null, 0)), "UNSUBSCRIBE with nothing subscribed");
        assertTrue(all.over());
    }

    @Test
    void messagesAndPongsAreForwardedAndChangeNothing() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "ch");
        frame(s, confirm("subscribe", "ch", 1));
        assertTrue(frame(s, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$11\r\nunsubscribe\r\n"));
        assertTrue(frame(s, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$13\r\nunsubscribe:0\r\n"));
        assertTrue(frame(s, ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n"));
        sent(s, "ping");
        assertTrue(frame(s, "*2\r\n$4\r\npong\r\n$0\r\n\r\n"));
        assertFalse(s.over());
        assertEquals(1, s.subscriptions());
        s.clear();
    }

    /** UNSUBSCRIBE a b with only a subscribed: two replies, both :0; the mode ends after the second. */
    @Test
    void everyConfirmationOwedArrivesBeforeTheModeEnds() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "a");
        frame(s, confirm("subscribe", "a", 1));
        sent(s, "unsubscribe", "a", "b");
        frame(s, confirm("unsubscribe", "a", 0));
        assertFalse(s.over(), "one more reply is owed");
        frame(s, confirm("unsubscribe", "b", 0));
        assertTrue(s.over());
    }

    /** Redis 7 counts shard channels apart: UNSUBSCRIBE answering :0 does not end a shard subscription. */
    @Test
    void shardSubscriptionsKeepTheModeAlive() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "a");
        frame(s, confirm("subscribe", "a", 1));
        sent(s, "ssubscribe", "s");
        frame(s, confirm("ssubscribe", "s", 1));
        sent(s, "unsubscribe");
        frame(s, confirm("unsubscribe", "a", 0));
        assertFalse(s.over(), "still subscribed to a shard channel");
        sent(s, "sunsubscribe");
        frame(s, confirm("sunsubscribe", "s", 0));
        assertTrue(s.over());
    }

    /** RESP2: UNSUBSCRIBE and PING pipelined; Redis answers the PING outside subscribed mode, +PONG. */
    @Test
    void aPingAfterTheLastUnsubscribeIsOwedItsPlainPong() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "a");
        frame(s, confirm("subscribe", "a", 1));
        sent(s, "unsubscribe", "a");
        sent(s, "ping");
        assertTrue(frame(s, confirm("unsubscribe", "a", 0)));
        assertFalse(s.over(), "the PING is still owed its reply");
        assertTrue(frame(s, "+PONG\r\n"));
        assertTrue(s.over());
    }

    @Test
    void aRefusedCommandOwesNothing() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "a");
        frame(s, confirm("subscribe", "a", 1));
        sent(s, "subscribe", "b", "c");
        assertTrue(frame(s, "-ERR something refused\r\n"));
        sent(s, "unsubscribe", "a");
        frame(s, confirm("unsubscribe", "a", 0));
        assertTrue(s.over());
    }

    /** After a loss: what the client holds again (confirmations swallowed), then what it is owed. */
    @Test
    void replaySubscribesAgainThenResendsWhatIsOwed() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "a", "b");
        frame(s, confirm("subscribe", "a", 1));
        frame(s, confirm("subscribe", "b", 2));
        sent(s, "psubscribe", "p*");
        frame(s, confirm("psubscribe", "p*", 3));
        sent(s, "ssubscribe", "s1");
        frame(s, confirm("ssubscribe", "s1", 1));
        sent(s, "subscribe", "c");      // in flight when the connection died
        sent(s, "ping", "hi");
        assertEquals(List.of("SUBSCRIBE a b", "PSUBSCRIBE p*", "SSUBSCRIBE s1", "subscribe c", "ping hi"), replay(s));
        assertTrue(s.resubscribing());
        assertFalse(frame(s, confirm("subscribe", "a", 1)));
        assertTrue(frame(s, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n"), "a message in between reaches the client");
        assertFalse(frame(s, confirm("subscribe", "b", 2)));
        assertFalse(frame(s, confirm("psubscribe", "p*", 3)));
        assertFalse(frame(s, confirm("ssubscribe", "s1", 1)));
        assertFalse(s.resubscribing());
        assertTrue(frame(s, confirm("subscribe", "c", 4)), "the owed confirmation reaches the client");
        assertTrue(frame(s, "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"));
        assertEquals(5, s.subscriptions());
        s.clear();
    }

    /** Shard channels of two slots (two SSUBSCRIBEs to one node): replayed one SSUBSCRIBE per slot, not one -CROSSSLOT. */
    @Test
    void replaySubscribesShardChannelsOfEachSlotApart() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "ssubscribe", "{a}1", "{a}2");
        frame(s, confirm("ssubscribe", "{a}1", 1));
        frame(s, confirm("ssubscribe", "{a}2", 2));
        sent(s, "ssubscribe", "{b}1");
        frame(s, confirm("ssubscribe", "{b}1", 3));
        assertEquals(List.of("SSUBSCRIBE {a}1 {a}2", "SSUBSCRIBE {b}1"), replay(s));
        assertFalse(frame(s, confirm("ssubscribe", "{a}1", 1)));
        assertFalse(frame(s, confirm("ssubscribe", "{a}2", 2)));
        assertTrue(s.resubscribing());
        assertFalse(frame(s, confirm("ssubscribe", "{b}1", 3)));
        assertFalse(s.resubscribing());
        s.clear();
    }

    /** SUBSCRIBE x y z with x confirmed before the loss: the client sees y and z only, once. */
    @Test
    void aPartlyAnsweredCommandIsSentWholeAndWhatTheClientHadIsSwallowed() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "x", "y", "z");
        assertTrue(frame(s, confirm("subscribe", "x", 1)));
        assertEquals(List.of("SUBSCRIBE x", "subscribe x y z"), replay(s));
        // Lost again before anything came back: the same, nothing counted twice.
        assertEquals(List.of("SUBSCRIBE x", "subscribe x y z"), replay(s));
        assertFalse(frame(s, confirm("subscribe", "x", 1)), "the re-subscription");
        assertFalse(frame(s, confirm("subscribe", "x", 1)), "the client had it before the loss");
        assertTrue(frame(s, confirm("subscribe", "y", 2)));
        assertTrue(frame(s, confirm("subscribe", "z", 3)));
        assertEquals(3, s.subscriptions());
        s.clear();
    }

    /** UNSUBSCRIBE (all) half answered: what is left is subscribed again, and the re-sent one ends the mode. */
    @Test
    void anUnsubscribeOfEverythingHalfAnsweredFinishesOnTheNewConnection() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "a", "b");
        frame(s, confirm("subscribe", "a", 1));
        frame(s, confirm("subscribe", "b", 2));
        sent(s, "unsubscribe");
        assertTrue(frame(s, confirm("unsubscribe", "a", 1)));
        assertEquals(List.of("SUBSCRIBE b", "unsubscribe"), replay(s));
        assertFalse(frame(s, confirm("subscribe", "b", 1)));
        assertFalse(s.over());
        assertTrue(frame(s, confirm("unsubscribe", "b", 0)));
        assertTrue(s.over());
    }

    @Test
    void nothingHeldOnlyTheFirstSubscribeOwed() {
        SubscriptionState s = new SubscriptionState();
        sent(s, "subscribe", "first");
        assertEquals(List.of("subscribe first"), replay(s));
        assertFalse(s.resubscribing());
        assertTrue(frame(s, confirm('>', "subscribe", "first", 1)));
        assertFalse(s.over());
        assertEquals("SUBSCRIBE first", new String(s.routingCommand()[0], StandardCharsets.US_ASCII) + " "
                + new String(s.routingCommand()[1], StandardCharsets.US_ASCII), "what the router places again");
        s.clear();
    }
}
