package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What SLOWLOG keeps of a command, as Redis 7.0 keeps it (slowlog.c, the commands' redactions). */
class SlowLogTest {

    private static List<byte[]> args(String... a) {
        return Arrays.stream(a).map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** CONFIG SET as the proxy reads it from a client, applied to {@code log}. */
    private static void configSet(SlowLog log, String... a) {
        var req = io.respproxy.proxy.resp.RespRequest.of(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, a);
        try {
            log.configSet(req);
        } finally {
            req.release();
        }
    }

    private static String shown(List<byte[]> args) {
        return String.join(" ", args.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
    }

    @Test
    void moreThan32ArgumentsKeep31AndSayHowManyMore() {
        List<String> sadd = new ArrayList<>(List.of("sadd", "set"));
        for (int i = 3; i <= 33; i++) {
            sadd.add(Integer.toString(i));
        }
        List<byte[]> kept = SlowLog.trimmed(args(sadd.toArray(String[]::new)));
        assertEquals(32, kept.size());
        assertEquals("31", new String(kept.get(30), StandardCharsets.UTF_8));
        assertEquals("... (2 more arguments)", new String(kept.get(31), StandardCharsets.UTF_8));
        assertEquals(3, SlowLog.trimmed(args("get", "a", "b")).size());
    }

    @Test
    void argumentsLongerThan128BytesAreCut() {
        String a129 = "A".repeat(129);
        List<byte[]> kept = SlowLog.trimmed(args("sadd", "set", "foo", a129));
        assertEquals("A".repeat(128) + "... (1 more bytes)", new String(kept.get(3), StandardCharsets.UTF_8));
        assertEquals("A".repeat(128), new String(SlowLog.trimmed(args("A".repeat(128))).get(0), StandardCharsets.UTF_8));
    }

    @Test
    void secretsAreRedactedAsRedisDoes() {
        assertEquals("auth (redacted)", shown(SlowLog.redacted(args("auth", "pw"))));
        assertEquals("AUTH (redacted) (redacted)", shown(SlowLog.redacted(args("AUTH", "u", "pw"))));
        assertEquals("hello 3 AUTH (redacted) (redacted) SETNAME x",
                shown(SlowLog.redacted(args("hello", "3", "AUTH", "u", "pw", "SETNAME", "x"))));
        assertEquals("migrate h 1 key 9 5000 AUTH (redacted)",
                shown(SlowLog.redacted(args("migrate", "h", "1", "key", "9", "5000", "AUTH", "pw"))));
        assertEquals("migrate h 1 key 9 5000 AUTH2 (redacted) (redacted)",
                shown(SlowLog.redacted(args("migrate", "h", "1", "key", "9", "5000", "AUTH2", "u", "pw"))));
        assertEquals("acl setuser (redacted) (redacted) (redacted)",
                shown(SlowLog.redacted(args("acl", "setuser", "u", "+get", "+set"))));
        assertEquals("config set masterauth (redacted) maxmemory 1mb",
                shown(SlowLog.redacted(args("config", "set", "masterauth", "x", "maxmemory", "1mb"))));
        assertEquals("set auth pw", shown(SlowLog.redacted(args("set", "auth", "pw"))));
    }

    @Test
    void keepsTheNewestUpToMaxLenAndFollowsConfigSet() {
        SlowLog log = new SlowLog(0, 3);
        assertTrue(log.isSlow(0));
        for (int i = 0; i < 5; i++) {
            log.add(args("incr", "n" + i), i, "127.0.0.1:1", "");
        }
        assertEquals(3, log.size());
        List<SlowLog.Entry> newest = log.newest(-1);
        assertEquals("incr n4", shown(newest.get(0).args()));
        assertEquals(4, newest.get(0).id());
        assertEquals(2, log.newest(2).size());
        assertEquals(0, log.newest(0).size());
        configSet(log, "config", "set", "slowlog-max-len", "1", "slowlog-log-slower-than", "-1");
        assertEquals(1, log.size());
        assertFalse(log.isSlow(1_000_000));
        configSet(log, "config", "set", "slowlog-log-slower-than", "-2"); // refused by Redis: unchanged
        assertFalse(log.isSlow(1_000_000));
        configSet(log, "CONFIG", "SET", "SLOWLOG-LOG-SLOWER-THAN", "100");
        assertFalse(log.isSlow(99));
        assertTrue(log.isSlow(100));
        log.reset();
        assertEquals(0, log.size());
    }
}
