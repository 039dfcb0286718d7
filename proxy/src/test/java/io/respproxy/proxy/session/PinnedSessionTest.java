package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PinnedSessionTest {

    static boolean finalUnsubscribe(String frame) {
        ByteBuf b = Unpooled.copiedBuffer(frame, StandardCharsets.US_ASCII);
        try {
            return PinnedSession.isFinalUnsubscribe(b);
        } finally {
            b.release();
        }
    }

    @Test
    void recognisesTheLastUnsubscribeInResp2AndResp3() {
        assertTrue(finalUnsubscribe("*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n"));
        assertTrue(finalUnsubscribe(">3\r\n$12\r\npunsubscribe\r\n$3\r\nch*\r\n:0\r\n"));
        assertTrue(finalUnsubscribe("*3\r\n$12\r\nsunsubscribe\r\n$1\r\nx\r\n:0\r\n"));
        assertTrue(finalUnsubscribe("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"), "UNSUBSCRIBE with no channel");
    }

    @Test
    void otherFramesDoNotEndTheSubscription() {
        assertFalse(finalUnsubscribe("*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:1\r\n"), "still subscribed to one");
        assertFalse(finalUnsubscribe("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:0\r\n"));
        assertFalse(finalUnsubscribe("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$11\r\nunsubscribe\r\n"));
        assertFalse(finalUnsubscribe("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$13\r\nunsubscribe:0\r\n"));
        assertFalse(finalUnsubscribe("+PONG\r\n"));
    }
}
