package io.respproxy.routing.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.ArrayCommandArgs;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandTableTest {

    private static final CommandTable TABLE = CommandTable.builtin();

    private static CommandSpec spec(String... args) {
        return TABLE.lookup(ArrayCommandArgs.of(args));
    }

    @Test
    void readsAndWrites() {
        assertTrue(spec("GET", "k").isReadOnly());
        assertFalse(spec("GET", "k").isWrite());
        assertTrue(spec("SET", "k", "v").isWrite());
        assertFalse(spec("SET", "k", "v").isReadOnly());
        // Envoy once routed XADD as a read
        assertTrue(spec("XADD", "s", "*", "f", "v").isWrite());
        assertTrue(spec("EVAL_RO", "return 1", "0").isReadOnly());
        assertTrue(spec("EVAL", "return 1", "0").isWrite());
        assertTrue(spec("FCALL_RO", "f", "0").isReadOnly());
        assertTrue(spec("XINFO", "STREAM", "s").isReadOnly());
        assertTrue(spec("HGETDEL", "h", "FIELDS", "1", "f").isWrite());
        assertTrue(spec("HTTL", "h", "FIELDS", "1", "f").isReadOnly());
    }

    @Test
    void unknownCommandIsNeverARead() {
        CommandSpec unknown = spec("NOSUCHCMD", "k");
        assertSame(CommandSpec.UNKNOWN, unknown);
        assertFalse(unknown.isKnown());
        assertFalse(unknown.isReadOnly());
        assertTrue(unknown.isWrite());
        assertEquals(RoutingShape.UNKNOWN, unknown.shape());
        assertEquals(-1, unknown.keyCount(ArrayCommandArgs.of("NOSUCHCMD", "k")));
        assertSame(CommandSpec.UNKNOWN, TABLE.lookup(ArrayCommandArgs.of()));
        assertSame(CommandSpec.UNKNOWN, TABLE.lookup(ArrayCommandArgs.of("")));
    }

    @Test
    void unflaggedCommandIsNotARead() {
        CommandTable t = TABLE.merge(List.of(CommandInfo.legacy("mod.thing", 2, List.of(), 1, 1, 1)));
        CommandSpec s = t.lookup("mod.thing");
        assertTrue(s.isKnown());
        assertFalse(s.isReadOnly());
        assertTrue(s.isWrite());
        // a container with an unknown subcommand falls back to the unflagged container
        CommandSpec container = spec("CONFIG", "NOSUCH");
        assertEquals("config", container.name());
        assertTrue(container.isWrite());
    }

    @Test
    void lookupIsCaseInsensitive() {
        assertSame(spec("GET", "k"), spec("get", "k"));
        assertSame(spec("GET", "k"), spec("gEt", "k"));
        assertSame(spec("CONFIG", "GET", "x"), spec("config", "get", "x"));
        assertSame(spec("CONFIG", "GET", "x"), TABLE.lookup("Config|Get"));
        assertSame(spec("CONFIG", "GET", "x"), TABLE.lookup("CONFIG GET"));
        assertSame(spec("GET"), TABLE.lookup("GET"));
        assertSame(CommandSpec.UNKNOWN, TABLE.lookup("config|nosuch"));
        assertSame(CommandSpec.UNKNOWN, spec("GETX"));
        assertSame(CommandSpec.UNKNOWN, spec("GE"));
    }

    @Test
    void subcommandsAreDistinctSpecs() {
        CommandSpec get = spec("CONFIG", "GET", "maxmemory");
        CommandSpec set = spec("CONFIG", "SET", "maxmemory", "1");
        assertNotSame(get, set);
        assertEquals("config|get", get.name());
        assertEquals("config|set", set.name());
        assertEquals(-3, get.arity());
        assertEquals(RequestPolicy.ALL_NODES, set.requestPolicy());
        assertEquals("client|list", spec("CLIENT", "LIST").name());
        assertEquals("xinfo|stream", spec("XINFO", "STREAM", "s").name());
        assertEquals("object|encoding", spec("OBJECT", "ENCODING", "k").name());
        // container alone: its own spec, Redis replies with the arity error
        assertEquals("config", spec("CONFIG").name());
        assertTrue(spec("CONFIG").hasSubcommands());
    }

    @Test
    void flags() {
        assertTrue(spec("SUBSCRIBE", "c").isPubSub());
        assertTrue(spec("PUBLISH", "c", "m").isPubSub());
        assertTrue(spec("FLUSHALL").isWrite());
        assertTrue(spec("SHUTDOWN").isAdmin());
        assertTrue(spec("CONFIG", "SET", "a", "b").isAdmin());
        assertTrue(spec("AUTH", "pw").noAuth());
        assertTrue(spec("HELLO").noAuth());
        assertFalse(spec("GET", "k").noAuth());
        assertTrue(spec("EVAL", "s", "0").hasMovableKeys());
        assertTrue(spec("GET", "k").has(CommandFlag.FAST));
        assertTrue(spec("GET", "k").acceptsArgCount(2));
        assertFalse(spec("GET", "k").acceptsArgCount(3));
        assertTrue(spec("MGET", "k").acceptsArgCount(5));
        assertFalse(spec("MGET").acceptsArgCount(1));
    }

    @Test
    void blocking() {
        assertTrue(spec("BLPOP", "a", "0").isBlocking(ArrayCommandArgs.of("BLPOP", "a", "0")));
        assertTrue(spec("BZPOPMIN", "a", "0").isBlocking(ArrayCommandArgs.of("BZPOPMIN", "a", "0")));
        assertFalse(spec("LPOP", "a").isBlocking(ArrayCommandArgs.of("LPOP", "a")));
        ArrayCommandArgs blockingRead = ArrayCommandArgs.of("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
        assertTrue(TABLE.lookup(blockingRead).isBlocking(blockingRead));
        ArrayCommandArgs plainRead = ArrayCommandArgs.of("xread", "count", "10", "streams", "s", "0");
        assertFalse(TABLE.lookup(plainRead).isBlocking(plainRead));
        // a stream named "block" after STREAMS is not the option
        ArrayCommandArgs streamNamedBlock = ArrayCommandArgs.of("XREAD", "STREAMS", "BLOCK", "0");
        assertFalse(TABLE.lookup(streamNamedBlock).isBlocking(streamNamedBlock));
        // nor is a group named "block"
        ArrayCommandArgs group = ArrayCommandArgs.of("XREADGROUP", "GROUP", "block", "c", "STREAMS", "s", ">");
        assertFalse(TABLE.lookup(group).isBlocking(group));
        ArrayCommandArgs groupBlock = ArrayCommandArgs.of("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "10", "NOACK", "STREAMS", "s", ">");
        assertTrue(TABLE.lookup(groupBlock).isBlocking(groupBlock));
        ArrayCommandArgs wait = ArrayCommandArgs.of("WAIT", "1", "0");
        assertTrue(TABLE.lookup(wait).isReplicationWait());
        assertTrue(TABLE.lookup(wait).isBlocking(wait));
        assertTrue(TABLE.lookup("waitaof").isReplicationWait());
        assertFalse(spec("BLPOP", "a", "0").isReplicationWait());
    }

    @Test
    void scriptsAndFunctionsAreKnownToRunLong() {
        for (String name : new String[] {"eval", "EVALSHA", "eval_ro", "evalsha_ro", "FCALL", "fcall_ro"}) {
            assertTrue(TABLE.lookup(name).runsScript(), name);
        }
        assertFalse(spec("SCRIPT", "KILL").runsScript());
        assertFalse(spec("FUNCTION", "LOAD", "code").runsScript());
        assertFalse(spec("GET", "k").runsScript());
    }

    @Test
    void routingShapes() {
        assertEquals(RoutingShape.SINGLE_KEY, spec("GET", "k").shape());
        assertEquals(RoutingShape.SINGLE_KEY, spec("HSET", "h", "f", "v").shape());
        assertEquals(RoutingShape.SINGLE_KEY, spec("OBJECT", "ENCODING", "k").shape());
        assertEquals(RoutingShape.SINGLE_SLOT, spec("RENAME", "a", "b").shape());
        assertEquals(RoutingShape.SINGLE_SLOT, spec("EVAL", "s", "0").shape());
        assertEquals(RoutingShape.SINGLE_SLOT, spec("MSETNX", "a", "1").shape());
        assertEquals(RoutingShape.SINGLE_SLOT, spec("SORT", "k").shape());
        assertEquals(RoutingShape.MULTI_KEY_CONCAT, spec("MGET", "a").shape());
        for (String sum : List.of("DEL", "EXISTS", "UNLINK", "TOUCH")) {
            assertEquals(RoutingShape.MULTI_KEY_SUM, spec(sum, "a").shape(), sum);
            assertEquals(ResponsePolicy.AGG_SUM, spec(sum, "a").responsePolicy(), sum);
        }
        assertEquals(RoutingShape.MULTI_KEY_PAIRS, spec("MSET", "a", "1").shape());
        assertEquals(RoutingShape.ALL_MASTERS, spec("FLUSHALL").shape());
        assertEquals(RoutingShape.ALL_MASTERS, spec("FLUSHDB").shape());
        assertEquals(RoutingShape.ALL_MASTERS, spec("FUNCTION", "LOAD", "x").shape());
        assertEquals(RoutingShape.ALL_MASTERS, spec("DBSIZE").shape());
        assertEquals(ResponsePolicy.AGG_SUM, spec("DBSIZE").responsePolicy());
        assertEquals(RoutingShape.ALL_NODES, spec("SCRIPT", "LOAD", "x").shape());
        assertEquals(RoutingShape.ALL_NODES, spec("SCRIPT", "FLUSH").shape());
        assertEquals(RoutingShape.SCAN, spec("SCAN", "0").shape());
        assertEquals(RoutingShape.SINGLE_KEY, spec("SSCAN", "k", "0").shape());
        for (String local : List.of("AUTH", "HELLO", "PING", "ECHO", "QUIT", "RESET", "SELECT", "INFO", "ROLE", "COMMAND", "READONLY")) {
            assertEquals(RoutingShape.LOCAL, spec(local).shape(), local);
        }
        assertEquals(RoutingShape.LOCAL, spec("CLIENT", "LIST").shape());
        assertEquals(RoutingShape.LOCAL, spec("CLIENT", "SETINFO", "LIB-NAME", "x").shape());
        assertEquals(RoutingShape.LOCAL, spec("CLUSTER", "SLOTS").shape());
        assertEquals(RoutingShape.LOCAL, spec("CLUSTER", "KEYSLOT", "k").shape());
        assertEquals(RoutingShape.LOCAL, spec("COMMAND", "GETKEYS", "GET", "k").shape());
        assertEquals(RoutingShape.LOCAL, spec("CLIENT", "TRACKING", "ON").shape());
        assertEquals(RoutingShape.LOCAL, spec("CLIENT", "KILL", "ID", "1").shape());
        assertEquals(RoutingShape.LOCAL, spec("CLIENT", "PAUSE", "10").shape());
        assertEquals(RoutingShape.MONITOR, spec("MONITOR").shape());
        assertEquals(RoutingShape.UNSUPPORTED, spec("SYNC").shape());
        assertEquals(RoutingShape.LOCAL, spec("CLIENT", "GETREDIR").shape());
        assertEquals(RoutingShape.OUT_OF_BAND, spec("SCRIPT", "KILL").shape());
        assertEquals(RoutingShape.OUT_OF_BAND, spec("FUNCTION", "KILL").shape());
        assertEquals(RoutingShape.MULTI, spec("MULTI").shape());
        assertEquals(RoutingShape.EXEC, spec("EXEC").shape());
        assertEquals(RoutingShape.EXEC, spec("DISCARD").shape());
        assertEquals(RoutingShape.UNWATCH, spec("UNWATCH").shape());
        assertEquals(RoutingShape.WATCH, spec("WATCH", "k").shape());
        for (String sub : List.of("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE")) {
            assertEquals(RoutingShape.SUBSCRIBE, spec(sub, "c").shape(), sub);
        }
        for (String sub : List.of("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE")) {
            assertEquals(RoutingShape.UNSUBSCRIBE, spec(sub, "c").shape(), sub);
        }
        assertEquals(RoutingShape.KEYLESS, spec("PUBLISH", "c", "m").shape());
        assertEquals(RoutingShape.SINGLE_KEY, spec("SPUBLISH", "c", "m").shape());
        assertEquals(RoutingShape.BLOCKING, spec("BLPOP", "a", "0").shape());
        assertEquals(RoutingShape.BLOCKING, spec("XREAD", "STREAMS", "s", "0").shape());
        assertEquals(RoutingShape.BLOCKING, spec("WAIT", "1", "0").shape());
        assertEquals(RoutingShape.KEYLESS, spec("TIME").shape());
    }

    /** The multi-key split shapes are exactly the commands Redis tips as multi_shard, minus all-or-nothing MSETNX. */
    @Test
    void splitShapesAgreeWithRedisTips() {
        for (CommandSpec s : allSpecs()) {
            boolean split = s.shape() == RoutingShape.MULTI_KEY_CONCAT || s.shape() == RoutingShape.MULTI_KEY_SUM
                    || s.shape() == RoutingShape.MULTI_KEY_PAIRS;
            boolean multiShard = s.requestPolicy() == RequestPolicy.MULTI_SHARD && !s.name().equals("msetnx");
            assertEquals(multiShard, split, s.name());
        }
    }

    @Test
    void mergeAddsModuleCommandsButKeepsBuiltinFacts() {
        CommandInfo jsonGet = CommandInfo.legacy("JSON.GET", -2, List.of("readonly"), 1, 1, 1);
        CommandInfo jsonSet = CommandInfo.legacy("JSON.SET", -4, List.of("write", "denyoom", "module"), 1, 1, 1);
        // a backend that misreports XADD as readonly must not change routing
        CommandInfo badXadd = CommandInfo.legacy("xadd", -5, List.of("readonly"), 1, 1, 1);
        // a newer server's subcommand of a known container is learned
        CommandInfo newSub = new CommandInfo("config", -2, List.of(), 0, 0, 0, List.of(), List.of(), List.of(),
                List.of(CommandInfo.legacy("config|frobnicate", 2, List.of("readonly"), 0, 0, 0)));
        CommandTable merged = TABLE.merge(List.of(jsonGet, jsonSet, badXadd, newSub));

        assertSame(CommandSpec.UNKNOWN, TABLE.lookup("json.get"), "merge returns a new table");
        ArrayCommandArgs req = ArrayCommandArgs.of("json.get", "doc", "$.a");
        CommandSpec get = merged.lookup(req);
        assertEquals("json.get", get.name());
        assertTrue(get.isReadOnly());
        assertEquals(RoutingShape.SINGLE_KEY, get.shape());
        assertEquals(1, get.keyCount(req));
        assertEquals(1, get.keyIndex(req, 0));
        assertTrue(merged.lookup("JSON.SET").isWrite());
        assertTrue(merged.lookup("JSON.SET").has(CommandFlag.MODULE));
        assertTrue(merged.lookup("xadd").isWrite());
        assertEquals("config|frobnicate", merged.lookup(ArrayCommandArgs.of("CONFIG", "FROBNICATE")).name());
        assertEquals("config|get", merged.lookup(ArrayCommandArgs.of("CONFIG", "GET", "x")).name());
        assertEquals(TABLE.size() + 3, merged.size());
    }

    @Test
    void mergedMovableKeysWithoutSpecsHaveUndeterminedKeys() {
        CommandTable merged = TABLE.merge(List.of(
                CommandInfo.legacy("mod.multi", -2, List.of("write", "movablekeys"), 0, 0, 0)));
        ArrayCommandArgs req = ArrayCommandArgs.of("MOD.MULTI", "a", "b");
        CommandSpec s = merged.lookup(req);
        assertEquals(-1, s.keyCount(req));
        assertEquals(RoutingShape.SINGLE_SLOT, s.shape());
    }

    @Test
    void builtinHoldsRedis7AndNewerCommands() {
        assertTrue(TABLE.size() > 350, "size " + TABLE.size());
        for (String name : List.of("get", "xautoclaim", "sintercard", "lmpop", "function|load", "waitaof",
                "client|setinfo", "client|no-touch", "hexpire", "hpexpire", "hexpireat", "hpexpireat", "httl",
                "hpttl", "hexpiretime", "hpexpiretime", "hpersist", "hgetdel", "hgetex", "hsetex")) {
            assertTrue(TABLE.lookup(name).isKnown(), name);
        }
    }

    static List<CommandSpec> allSpecs() {
        List<CommandSpec> all = new java.util.ArrayList<>();
        for (CommandSpec s : TABLE.commands()) {
            all.add(s);
            all.addAll(s.subcommands());
        }
        return all;
    }
}
