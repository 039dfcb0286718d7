package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplyEstimateTest {

    private static final long LIMIT = 256 << 10;

    @Test
    void aNewClientStartsWithTwoRepliesWorth() {
        ReplyEstimate e = new ReplyEstimate(LIMIT);
        assertEquals(LIMIT, e.expected(2));
        assertTrue(e.expected(3) > LIMIT);
    }

    @Test
    void aLargeReplyNarrowsTheWindowAtOnce() {
        ReplyEstimate e = new ReplyEstimate(LIMIT);
        for (int i = 0; i < 100; i++) {
            e.replied(5);
        }
        e.replied(100 * 1024);
        assertEquals(100 * 1024, e.perReply());
        assertTrue(e.expected(2) <= LIMIT);
        assertTrue(e.expected(3) > LIMIT);
    }

    @Test
    void smallRepliesWidenItSlowly() {
        ReplyEstimate e = new ReplyEstimate(LIMIT);
        e.replied((int) LIMIT);
        e.replied(100 * 1024);
        assertEquals(LIMIT - (LIMIT - 100 * 1024 + 7) / 8, e.perReply());
        e = new ReplyEstimate(LIMIT);
        e.replied((int) LIMIT);
        for (int i = 0; i < 100; i++) {
            e.replied(5);
        }
        e.replied(100 * 1024);
        e.replied(5);
        // One +OK after a 100 KB reply takes 1/8 of the difference off, not all of it.
        assertEquals(100 * 1024 - (100 * 1024 - 5 + 7) / 8, e.perReply());
        for (int i = 0; i < 60; i++) {
            e.replied(5);
        }
        // ~60 small replies later the window holds the whole in-flight cap.
        assertTrue(e.expected(1024) <= LIMIT);
        for (int i = 0; i < 200; i++) {
            e.replied(5);
        }
        assertEquals(5, e.perReply());
        assertEquals(1024 * 5, e.expected(1024));
    }

    @Test
    void aHugeInFlightCountDoesNotOverflow() {
        ReplyEstimate e = new ReplyEstimate(LIMIT);
        e.replied(Integer.MAX_VALUE);
        assertTrue(e.expected(Integer.MAX_VALUE) > LIMIT);
    }
}
