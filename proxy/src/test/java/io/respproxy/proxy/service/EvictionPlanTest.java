package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EvictionPlanTest {

    @Test
    void underTheBudgetNothingIsFreed() {
        assertEquals(0, EvictionPlan.share(500, 900, 1000));
        assertEquals(0, EvictionPlan.share(500, 1000, 1000));
        assertEquals(0, EvictionPlan.share(0, 2000, 1000));
    }

    @Test
    void eachLoopFreesItsShareOfTheExcess() {
        // 1,500 held against 1,200: 300 to free, split 2:1 by what the loops hold.
        assertEquals(200, EvictionPlan.share(1000, 1500, 1200));
        assertEquals(100, EvictionPlan.share(500, 1500, 1200));
        // Rounded up, so the loops together free at least the excess.
        assertEquals(101, EvictionPlan.share(434, 1300, 1000));
        // A loop holding everything frees the whole excess, never more than it holds.
        assertEquals(300, EvictionPlan.share(1300, 1300, 1000));
        assertEquals(10, EvictionPlan.share(10, 5000, 10));
    }

    @Test
    void theLargestClientsGoFirstUntilEnoughIsFreed() {
        long[] sizes = {5, 900, 0, 300, 40};
        assertArrayEquals(new int[] {1}, EvictionPlan.largestFirst(sizes, 200));
        assertArrayEquals(new int[] {1}, EvictionPlan.largestFirst(sizes, 900));
        assertArrayEquals(new int[] {1, 3}, EvictionPlan.largestFirst(sizes, 901));
        assertArrayEquals(new int[] {}, EvictionPlan.largestFirst(sizes, 0));
    }

    @Test
    void clientsHoldingNothingAreNeverClosed() {
        assertArrayEquals(new int[] {1, 0}, EvictionPlan.largestFirst(new long[] {3, 7, 0, 0}, 1_000));
    }

    /** Only the loops holding at least an even share of the total free the excess. */
    @Test
    void aLoopHoldingLittleLeavesTheExcessToTheOthers() {
        assertTrue(EvictionPlan.takesPart(900, 1000, 2));
        assertTrue(EvictionPlan.takesPart(500, 1000, 2));
        assertFalse(EvictionPlan.takesPart(100, 1000, 2), "a well-behaved client's few KB beside stalled megabytes");
        assertFalse(EvictionPlan.takesPart(0, 1000, 1));
        assertTrue(EvictionPlan.takesPart(1000, 1000, 1), "one loop holds everything");
        assertTrue(EvictionPlan.takesPart(334, 1000, 3));
    }
}
