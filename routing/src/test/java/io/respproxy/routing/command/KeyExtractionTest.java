package io.respproxy.routing.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.respproxy.routing.ArrayCommandArgs;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Key positions for every form of key spec, checked three ways: count, index(k), and indexes(out). */
class KeyExtractionTest {

    private static final CommandTable TABLE = CommandTable.builtin();

    /** Asserts the key argument indexes of a request; {@code expected} null means invalid (-1). */
    private static void keys(String request, int... expected) {
        ArrayCommandArgs args = ArrayCommandArgs.of(request.isEmpty() ? new String[0] : request.split(" ", -1));
        CommandSpec spec = TABLE.lookup(args);
        int count = spec.keyCount(args);
        int[] out = new int[64];
        int collected = spec.keyIndexes(args, out);
        if (expected == null) {
            assertEquals(-1, count, request);
            assertEquals(-1, collected, request);
            assertEquals(-1, spec.keyIndex(args, 0), request);
            return;
        }
        assertEquals(expected.length, count, request + " count");
        assertEquals(expected.length, collected, request + " collected");
        assertArrayEquals(expected, Arrays.copyOf(out, collected), request);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], spec.keyIndex(args, k), request + " key " + k);
        }
        assertEquals(-1, spec.keyIndex(args, expected.length), request + " past the end");
        assertEquals(-1, spec.keyIndex(args, -1), request + " negative k");
    }

    private static void invalid(String request) {
        keys(request, (int[]) null);
    }

    @Test
    void fixedPositions() {
        keys("GET k", 1);
        keys("SET k v EX 10", 1);
        keys("PING");
        keys("RENAME a b", 1, 2);
        keys("LMOVE a b LEFT RIGHT", 1, 2);
        keys("OBJECT ENCODING k", 2);
        keys("XINFO STREAM s FULL", 2);
        keys("MEMORY USAGE k SAMPLES 5", 2);
        keys("SPUBLISH ch msg", 1);
    }

    @Test
    void missingFixedKeyIsInvalid() {
        invalid("GET");
        invalid("OBJECT ENCODING");
        invalid("RENAME a");
    }

    @Test
    void negativeLastKey() {
        keys("MGET a b c", 1, 2, 3);
        keys("DEL a", 1);
        keys("EXISTS a b", 1, 2);
        keys("MSET a 1 b 2 c 3", 1, 3, 5);
        keys("MSETNX a 1 b 2", 1, 3);
        keys("BITOP AND dest s1 s2", 2, 3, 4);
        keys("BLPOP a b 0", 1, 2);
        keys("SINTERSTORE d a b", 1, 2, 3);
        invalid("MGET");
        invalid("MSET a 1 b");
        invalid("BITOP AND dest");
    }

    @Test
    void keynum() {
        keys("EVAL s 2 k1 k2 a1", 3, 4);
        keys("EVALSHA sha 1 k1", 3);
        keys("EVAL_RO s 1 k1 arg", 3);
        keys("FCALL f 1 k1 arg", 3);
        keys("FCALL_RO f 0 arg");
        keys("EVAL s 0");
        keys("ZUNIONSTORE dest 2 a b WEIGHTS 1 2", 1, 3, 4);
        keys("ZINTERSTORE dest 1 a", 1, 3);
        keys("ZDIFFSTORE dest 2 a b", 1, 3, 4);
        keys("ZUNION 2 a b WITHSCORES", 2, 3);
        keys("ZINTER 1 a", 2);
        keys("ZDIFF 2 a b", 2, 3);
        keys("SINTERCARD 2 a b LIMIT 1", 2, 3);
        keys("LMPOP 2 a b LEFT", 2, 3);
        keys("ZMPOP 1 a MIN", 2);
        keys("BLMPOP 0 2 a b LEFT COUNT 2", 3, 4);
        keys("BZMPOP 1.5 1 a MAX", 3);
    }

    @Test
    void malformedKeynumIsInvalid() {
        invalid("EVAL s 3 k1 k2");
        invalid("EVAL s -1 k1");
        invalid("EVAL s x k1");
        invalid("EVAL s 99999999999999999999999 k1");
        invalid("EVAL s");
        invalid("ZUNIONSTORE dest 5 a b");
        invalid("ZUNION 3 a b");
        invalid("LMPOP 2 a");
        invalid("BLMPOP 0 -2 a b LEFT");
    }

    @Test
    void keywordStreams() {
        keys("XREAD STREAMS a b 0 0", 2, 3);
        keys("XREAD COUNT 10 BLOCK 0 STREAMS a 0", 6);
        keys("xread streams s $", 2);
        keys("XREADGROUP GROUP g c COUNT 1 STREAMS a b > >", 7, 8);
        // unbalanced: Redis replies "Unbalanced XREAD list of streams"
        invalid("XREAD STREAMS a b 0");
        // STREAMS as the last argument is not the keyword (Redis's search bounds); arity rejects it anyway
        keys("XREAD STREAMS");
        // no STREAMS keyword at all: no keys found, Redis replies syntax error
        keys("XREAD COUNT 1");
    }

    @Test
    void migrate() {
        keys("MIGRATE h 6379 k 0 1000", 3);
        keys("MIGRATE h 6379 k 0 1000 COPY REPLACE", 3);
        keys("MIGRATE h 6379  0 1000 KEYS a b c", 7, 8, 9);
        keys("MIGRATE h 6379  0 1000 COPY AUTH keys KEYS a", 10);
        keys("MIGRATE h 6379  0 1000 AUTH2 keys keys KEYS a b", 10, 11);
        invalid("MIGRATE h 6379 k 0 1000 KEYS a");
        invalid("MIGRATE h 6379  0 1000 KEYS");
        invalid("MIGRATE h 6379 k");
    }

    @Test
    void sort() {
        keys("SORT k", 1);
        keys("SORT k LIMIT 0 10 ALPHA", 1);
        keys("SORT k BY w_* GET # STORE dest", 1, 7);
        keys("SORT k STORE d1 STORE d2", 1, 5);
        keys("SORT k BY store", 1);
        keys("SORT k GET store STORE d", 1, 5);
        keys("SORT_RO k BY w_* GET #", 1);
        invalid("SORT");
    }

    @Test
    void keywordStore() {
        keys("GEORADIUS k 0 0 10 km", 1);
        keys("GEORADIUS k 0 0 10 km STORE d", 1, 7);
        keys("GEORADIUS k 0 0 10 km WITHCOORD STOREDIST d", 1, 8);
        keys("GEORADIUSBYMEMBER k m 10 km STORE d", 1, 6);
        keys("GEOSEARCHSTORE d src FROMMEMBER m BYRADIUS 1 km", 1, 2);
    }

    @Test
    void lookupAndExtractionAreCaseInsensitive() {
        keys("xread Streams a 0", 2);
        keys("object encoding k", 2);
    }

    @Test
    void outArraySmallerThanKeyCount() {
        ArrayCommandArgs args = ArrayCommandArgs.of("MGET", "a", "b", "c");
        int[] out = new int[2];
        assertEquals(3, TABLE.lookup(args).keyIndexes(args, out));
        assertArrayEquals(new int[] {1, 2}, out);
    }
}
