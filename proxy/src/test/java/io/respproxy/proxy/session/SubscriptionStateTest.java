package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SubscriptionStateTest {

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

    @Test
    void theLastUnsubscribeEndsTheModeInResp2AndResp3() {
        for (char type : new char[] {'*', '>'}) {
            SubscriptionState s = new SubscriptionState();
            s.sent(1);
            assertFalse(frame(s, confirm(type, "subscribe", "ch", 1)));
            s.sent(0);
            assertTrue(frame(s, confirm(type, "unsubscribe", "ch", 0)));
        }
        SubscriptionState all = new SubscriptionState();
        all.sent(0);
        assertTrue(frame(all, confirm('*', "unsubscribe", null, 0)), "UNSUBSCRIBE with nothing subscribed");
    }

    @Test
    void messagesAndPongsChangeNothing() {
        SubscriptionState s = new SubscriptionState();
        s.sent(1);
        frame(s, confirm('*', "subscribe", "ch", 1));
        assertFalse(frame(s, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$11\r\nunsubscribe\r\n"));
        assertFalse(frame(s, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$13\r\nunsubscribe:0\r\n"));
        assertFalse(frame(s, "*2\r\n$4\r\npong\r\n$0\r\n\r\n"));
        assertFalse(frame(s, "+PONG\r\n"));
    }

    /** UNSUBSCRIBE a b with only a subscribed: two replies, both :0; the mode ends after the second. */
    @Test
    void everyConfirmationOwedArrivesBeforeTheModeEnds() {
        SubscriptionState s = new SubscriptionState();
        s.sent(1);
        frame(s, confirm('*', "subscribe", "a", 1));
        s.sent(2);
        assertFalse(frame(s, confirm('*', "unsubscribe", "a", 0)), "one more reply is owed");
        assertTrue(frame(s, confirm('*', "unsubscribe", "b", 0)));
    }

    /** Redis 7 counts shard channels apart: UNSUBSCRIBE answering :0 does not end a shard subscription. */
    @Test
    void shardSubscriptionsKeepTheModeAlive() {
        SubscriptionState s = new SubscriptionState();
        s.sent(1);
        frame(s, confirm('*', "subscribe", "a", 1));
        s.sent(1);
        frame(s, confirm('*', "ssubscribe", "s", 1));
        s.sent(0);
        assertFalse(frame(s, confirm('*', "unsubscribe", "a", 0)), "still subscribed to a shard channel");
        s.sent(0);
        assertTrue(frame(s, confirm('*', "sunsubscribe", "s", 0)));
    }

    @Test
    void aRefusedCommandOwesNothing() {
        SubscriptionState s = new SubscriptionState();
        s.sent(1);
        frame(s, confirm('*', "subscribe", "a", 1));
        s.sent(1);
        assertFalse(frame(s, "-ERR something refused\r\n"));
        s.sent(1);
        assertTrue(frame(s, confirm('*', "unsubscribe", "a", 0)));
    }
}
