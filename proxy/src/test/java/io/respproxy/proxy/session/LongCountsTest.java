package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongCountsTest {

    @Test
    void agreesWithAMapThroughRandomIncrementsAndDecrements() {
        Random random = new Random(7);
        LongCounts counts = new LongCounts();
        Map<Long, Integer> expected = new HashMap<>();
        for (int op = 0; op < 200_000; op++) {
            // Few distinct keys, clustered, so probe chains collide and wrap around.
            long key = ((long) random.nextInt(3) << 32) | random.nextInt(40);
            if (random.nextInt(3) == 0) {
                int c = expected.getOrDefault(key, 0);
                int now = counts.decrement(key);
                if (c > 0) {
                    expected.put(key, c - 1);
                }
                if (c <= 1) {
                    expected.remove(key);
                }
                assertEquals(Math.max(0, c - 1), now);
            } else {
                assertEquals(expected.merge(key, 1, Integer::sum), counts.increment(key));
            }
            if (op % 1000 == 0) {
                for (long k = 0; k < 3; k++) {
                    for (int o = 0; o < 40; o++) {
                        long kk = (k << 32) | o;
                        assertEquals(expected.getOrDefault(kk, 0), counts.get(kk), "key " + kk + " at op " + op);
                    }
                }
                assertEquals(expected.isEmpty(), counts.isEmpty());
            }
        }
    }

    @Test
    void negativeOrdersAreKeysLikeAnyOther() {
        LongCounts counts = new LongCounts();
        assertEquals(1, counts.increment(-1));
        assertEquals(2, counts.increment(-1));
        assertEquals(0, counts.get(0xffffffffL));
        assertEquals(1, counts.decrement(-1));
        assertEquals(0, counts.decrement(-1));
        assertEquals(0, counts.get(-1));
    }
}
