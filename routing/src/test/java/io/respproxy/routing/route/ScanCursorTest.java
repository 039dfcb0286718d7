package io.respproxy.routing.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.ArrayCommandArgs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScanCursorTest {

    static ScanCursor parse(String cursor) {
        return ScanCursor.parse(ArrayCommandArgs.of("SCAN", cursor), 1);
    }

    @Test
    void zeroIsTheStartOfTheFirstShard() {
        assertEquals(ScanCursor.START, parse("0"));
        assertEquals(0, ScanCursor.START.encode());
        assertEquals(new ScanCursor(0, 0, 0), ScanCursor.decode(0));
    }

    @Test
    void layoutIsShardThenMemberThenTheNodesCursor() {
        assertEquals(1, new ScanCursor(1, 0, 0).encode(), "the next shard's start is its ordinal");
        assertEquals(16383, new ScanCursor(16383, 0, 0).encode());
        assertEquals(1 << 14, new ScanCursor(0, 1, 0).encode());
        assertEquals(1L << 22, new ScanCursor(0, 0, 1).encode());
        assertEquals((5L << 22) | (2L << 14) | 3, new ScanCursor(3, 2, 5).encode());
    }

    @Test
    void boundsFillAllSixtyFourBits() {
        ScanCursor max = new ScanCursor(ScanCursor.MAX_SHARDS - 1, ScanCursor.MAX_MEMBERS - 1, ScanCursor.MAX_NODE_CURSOR);
        assertEquals(-1L, max.encode());
        assertEquals("18446744073709551615", Long.toUnsignedString(max.encode()));
        assertEquals(max, parse("18446744073709551615"));
        assertEquals(max, ScanCursor.decode(-1L));
        assertTrue(ScanCursor.carries(ScanCursor.MAX_NODE_CURSOR));
        assertFalse(ScanCursor.carries(ScanCursor.MAX_NODE_CURSOR + 1));
        assertFalse(ScanCursor.carries(-1L), "unsigned: 2^64-1 is the largest, not -1");
        assertThrows(IllegalArgumentException.class, () -> new ScanCursor(ScanCursor.MAX_SHARDS, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ScanCursor(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ScanCursor(0, ScanCursor.MAX_MEMBERS, 0));
        assertThrows(IllegalArgumentException.class, () -> new ScanCursor(0, 0, ScanCursor.MAX_NODE_CURSOR + 1));
    }

    @Test
    void everyUnsignedValueRoundTrips() {
        for (long v : new long[] {0, 1, 16383, 16384, 262143, 262144, 123456789012345L, Long.MAX_VALUE,
                Long.MIN_VALUE, -2L, -1L}) {
            assertEquals(v, ScanCursor.decode(v).encode(), Long.toUnsignedString(v));
            assertEquals(ScanCursor.decode(v), parse(Long.toUnsignedString(v)));
        }
    }

    /** Redis answers -ERR invalid cursor to anything that is not an unsigned 64-bit decimal. */
    @Test
    void badCursorsAreInvalid() {
        for (String bad : new String[] {"", "-1", "-0", "abc", "1a", " 1", "1 ", "0x10", "1.5",
                "18446744073709551616", "99999999999999999999", "184467440737095516150"}) {
            assertNull(parse(bad), "'" + bad + "'");
        }
        assertEquals(ScanCursor.decode(12), parse("00012"), "leading zeros, as strtoull");
        assertEquals(ScanCursor.decode(7), parse("0000000000000000000000007"), "longer than 20 characters, still 7");
    }

    @Test
    void nextStaysOnTheNodeWhileItHasMoreThenMovesToTheNextShard() {
        assertEquals(new ScanCursor(1, 2, 99).encode(), ScanCursor.next(1, 2, 99, 3));
        assertEquals(2, ScanCursor.next(1, 2, 0, 3), "node done: the next shard's start, whatever member");
        assertEquals(0, ScanCursor.next(2, 1, 0, 3), "the last shard done: the walk is over");
        assertEquals(0, ScanCursor.next(0, 0, 0, 1), "a single shard");
        assertThrows(IllegalArgumentException.class, () -> ScanCursor.next(0, 0, ScanCursor.MAX_NODE_CURSOR + 1, 3));
    }

    /** A whole walk over three shards whose nodes each answer two pages: 0 only at the start and the end. */
    @Test
    void aWalkVisitsEveryShardInOrderAndEndsAtZero() {
        int shards = 3;
        List<String> visited = new ArrayList<>();
        long client = 0;
        int calls = 0;
        do {
            ScanCursor at = ScanCursor.decode(client);
            visited.add(at.shard() + ":" + at.nodeCursor());
            long nodeNext = at.nodeCursor() == 0 ? (1L << 40) + at.shard() : 0; // two pages per node
            client = ScanCursor.next(at.shard(), 1, nodeNext, shards);
            if (++calls < 6) {
                assertNotEquals(0, client, "0 only once every shard is done");
            }
        } while (client != 0 && calls < 100);
        assertEquals(List.of("0:0", "0:" + (1L << 40), "1:0", "1:" + ((1L << 40) + 1), "2:0", "2:" + ((1L << 40) + 2)),
                visited);
    }
}
