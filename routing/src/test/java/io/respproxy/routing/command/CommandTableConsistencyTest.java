package io.respproxy.routing.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.ArrayCommandArgs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every entry of the built-in resource is well-formed, and the resource round-trips through the parser. */
class CommandTableConsistencyTest {

    private static final CommandTable TABLE = CommandTable.builtin();

    @Test
    void everyEntryIsSane() {
        List<CommandSpec> all = CommandTableTest.allSpecs();
        assertEquals(TABLE.size(), all.size());
        for (CommandSpec s : all) {
            String n = s.name();
            assertNotEquals(0, s.arity(), n);
            assertFalse(s.has(CommandFlag.READONLY) && s.has(CommandFlag.WRITE), n + " both readonly and write");
            assertNotEquals(RoutingShape.UNKNOWN, s.shape(), n);
            int minArgs = Math.abs(s.arity());
            for (KeySpec k : s.keySpecs()) {
                if (k.begin() == KeySpec.Begin.INDEX) {
                    assertTrue(k.index() >= 1, n + " index " + k);
                    // a fixed key position must exist in every request of legal arity
                    if (k.find() == KeySpec.Find.RANGE && k.lastKeyOrKeyNumIdx() >= 0) {
                        assertTrue(k.index() + k.lastKeyOrKeyNumIdx() < minArgs, n + " key beyond arity " + k);
                    }
                }
                if (k.begin() == KeySpec.Begin.KEYWORD) {
                    assertFalse(k.keyword().isEmpty(), n);
                }
                if (k.find() != KeySpec.Find.UNKNOWN) {
                    assertTrue(k.keyStep() >= 1, n + " step " + k);
                }
                if (k.find() == KeySpec.Find.RANGE && k.lastKeyOrKeyNumIdx() < -1) {
                    assertTrue(k.limitOrStep() <= 1, n + " limit with lastkey < -1 " + k);
                }
                // exactly one of RO/RW/OW/RM, except NOT_KEY channels
                int access = 0;
                for (KeySpecFlag f : new KeySpecFlag[] {KeySpecFlag.RO, KeySpecFlag.RW, KeySpecFlag.OW, KeySpecFlag.RM}) {
                    access += k.has(f) ? 1 : 0;
                }
                assertTrue(access == 1 || k.has(KeySpecFlag.NOT_KEY), n + " access flags " + k);
            }
            // readonly commands only read their keys; PFCOUNT is Redis's one exception (it may
            // rewrite the HyperLogLog's cached cardinality, which is harmless on a replica)
            if (s.isReadOnly() && !n.equals("pfcount")) {
                for (KeySpec k : s.keySpecs()) {
                    assertFalse(k.has(KeySpecFlag.RW) || k.has(KeySpecFlag.OW) || k.has(KeySpecFlag.RM), n + " " + k);
                }
            }
            // unknown key specs only where dedicated code finds the keys
            boolean unknownSpec = s.keySpecs().stream().anyMatch(k -> k.find() == KeySpec.Find.UNKNOWN);
            if (unknownSpec) {
                assertTrue(n.equals("sort") || n.equals("sort_ro"), n);
            }
            // a command with keys but no spec for them would be routed keyless
            if (s.keySpecs().isEmpty()) {
                assertFalse(s.hasMovableKeys(), n + " movable keys without specs");
            }
        }
    }

    /** Fills every argument slot with a token and checks extraction never throws and stays in bounds. */
    @Test
    void extractionStaysInBoundsForEveryCommandAndLength() {
        int[] out = new int[32];
        for (CommandSpec s : CommandTableTest.allSpecs()) {
            String[] words = s.name().split("\\|");
            for (int extra = 0; extra < 8; extra++) {
                List<String> args = new ArrayList<>(List.of(words));
                for (int i = 0; i < extra; i++) {
                    args.add(i % 2 == 0 ? "1" : "k" + i);
                }
                ArrayCommandArgs req = ArrayCommandArgs.of(args.toArray(new String[0]));
                assertSame(s, TABLE.lookup(req), s.name());
                int count = s.keyCount(req);
                assertEquals(count, s.keyIndexes(req, out), req.toString());
                for (int k = 0; k < Math.min(count, out.length); k++) {
                    assertTrue(out[k] >= 1 && out[k] < req.size(), req + " key " + k + " at " + out[k]);
                    assertEquals(out[k], s.keyIndex(req, k), req.toString());
                }
                s.isBlocking(req);
            }
        }
    }

    @Test
    void resourceRoundTripsThroughKeySpecText() {
        for (CommandSpec s : CommandTableTest.allSpecs()) {
            for (KeySpec k : s.info().keySpecs()) {
                assertEquals(k, CommandResource.parseKeySpec(k.toString()), s.name());
            }
        }
    }

    @Test
    void malformedResourceLinesFailWithTheirLineNumber() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CommandResource.parse("# header\nget 2 readonly read - string 1.0.0 RO/i1/r0,1\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CommandResource.parse("config|get -3 - - - - -\n"));
    }
}
