package io.respproxy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {

    @Test
    void neverHandsOutAPortOrItsBusPortTwice() {
        PortAllocator a = new PortAllocator();
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int p = a.allocate();
            assertTrue(p >= PortAllocator.LOW && p < PortAllocator.HIGH, "port " + p);
            assertTrue(taken.add(p) && taken.add(p + PortAllocator.BUS_OFFSET), "collision at " + p);
        }
        assertEquals(100, taken.size());
    }
}
