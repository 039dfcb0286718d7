package io.respproxy.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LongRingTest {

    /** In step with a connection's FIFO: appended at the tail, handshake entries put first, grown past 16. */
    @Test
    void keepsOrderThroughGrowthAndWrapAround() {
        LongRing r = new LongRing();
        for (int round = 0; round < 3; round++) {
            for (int i = 1; i <= 40; i++) {
                r.addLast(i);
            }
            r.addFirst(-1);
            r.setLast(5, 100); // the last five were written by one flush
            assertEquals(41, r.size());
            assertEquals(-1, r.pollFirst());
            for (int i = 1; i <= 35; i++) {
                assertEquals(i, r.pollFirst());
            }
            for (int i = 36; i <= 40; i++) {
                assertEquals(100, r.pollFirst());
            }
            assertEquals(0, r.size());
            assertEquals(0, r.pollFirst(), "empty");
        }
        r.addLast(7);
        r.setLast(3, 9); // more than it holds: only what is there
        assertEquals(9, r.pollFirst());
        r.addLast(1);
        r.clear();
        assertEquals(0, r.size());
    }
}
