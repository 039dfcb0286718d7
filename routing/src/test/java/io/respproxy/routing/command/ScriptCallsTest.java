package io.respproxy.routing.command;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScriptCallsTest {

    private static final CommandTable TABLE = CommandTable.builtin();

    @Test
    void aScriptThatOnlyWritesReadsNothing() {
        assertFalse(ScriptCalls.mayRead("redis.call('set', 'key3{t}', 'bar')", TABLE));
        assertFalse(ScriptCalls.mayRead("redis.call('ping')", TABLE), "PING reads no key");
        assertFalse(ScriptCalls.mayRead("return 1", TABLE), "no call at all");
        assertFalse(ScriptCalls.mayRead("server.pcall(\"INCR\", KEYS[1]); redis.call( 'del' , KEYS[2])", TABLE));
    }

    @Test
    void aScriptThatCallsAReadReads() {
        assertTrue(ScriptCalls.mayRead("redis.call('get', 'key3{t}')", TABLE));
        assertTrue(ScriptCalls.mayRead("redis.call('set', KEYS[1], 1) return redis.call('HGETALL', KEYS[2])", TABLE));
        assertTrue(ScriptCalls.mayRead("local v = redis.pcall(\"lrange\", KEYS[1], 0, -1)", TABLE));
    }

    @Test
    void whatTheBodyDoesNotSayCountsAsARead() {
        assertTrue(ScriptCalls.mayRead("local cmd = ARGV[1] return redis.call(cmd, KEYS[1])", TABLE));
        assertTrue(ScriptCalls.mayRead("redis.call('nosuchcommand', KEYS[1])", TABLE));
    }
}
