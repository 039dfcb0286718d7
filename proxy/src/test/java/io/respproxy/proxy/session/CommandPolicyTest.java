package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.ArrayCommandArgs;
import io.respproxy.routing.CommandArgs;
import io.respproxy.routing.command.CommandTable;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandPolicyTest {

    final CommandPolicy policy = new CommandPolicy(CommandTable.builtin(),
            Set.of("SHUTDOWN", "CONFIG SET", "acl setuser"));

    CommandKind kind(String... args) {
        CommandArgs a = ArrayCommandArgs.of(args);
        return policy.kind(policy.lookup(a), a);
    }

    @Test
    void readsAndWritesFollowTheCommandTable() {
        assertEquals(CommandKind.READ, kind("GET", "k"));
        assertEquals(CommandKind.READ, kind("get", "k"));
        assertEquals(CommandKind.WRITE, kind("SET", "k", "v"));
        assertEquals(CommandKind.WRITE, kind("XADD", "s", "*", "f", "v"), "XADD is a write (Envoy routed it as a read)");
        assertEquals(CommandKind.READ, kind("EVAL_RO", "return 1", "0"));
        assertEquals(CommandKind.WRITE, kind("EVAL", "return 1", "0"), "EVAL may write");
        assertEquals(CommandKind.WRITE, kind("CONFIG", "GET", "maxmemory"),
                "Redis does not flag CONFIG GET readonly (admin, noscript, loading, stale): it goes to the master");
    }

    @Test
    void unknownCommandsAreNeverReads() {
        assertEquals(CommandKind.UNKNOWN, kind("NOSUCHCOMMAND", "x"));
    }

    @Test
    void statefulCommandsNeedTheirOwnConnection() {
        assertEquals(CommandKind.TRANSACTION, kind("MULTI"));
        assertEquals(CommandKind.WATCH, kind("WATCH", "k"));
        assertEquals(CommandKind.EXEC_OUTSIDE_MULTI, kind("EXEC"));
        assertEquals(CommandKind.BLOCKING, kind("BLPOP", "q", "0"));
        assertEquals(CommandKind.BLOCKING, kind("XREAD", "BLOCK", "0", "STREAMS", "s", "$"));
        assertEquals(CommandKind.READ, kind("XREAD", "STREAMS", "s", "0"), "XREAD without BLOCK does not block");
        assertEquals(CommandKind.BLOCKING, kind("WAIT", "1", "0"));
        assertEquals(CommandKind.SUBSCRIBE, kind("SUBSCRIBE", "ch"));
        assertEquals(CommandKind.SUBSCRIBE, kind("PSUBSCRIBE", "ch*"));
    }

    @Test
    void connectionCommandsAreLocal() {
        for (String c : new String[] {"AUTH", "HELLO", "PING", "ECHO", "QUIT", "RESET", "SELECT", "INFO", "ROLE"}) {
            assertEquals(CommandKind.LOCAL, kind(c, "x"), c);
        }
        assertEquals(CommandKind.LOCAL, kind("CLIENT", "SETNAME", "n"));
    }

    @Test
    void denyListMatchesCommandsAndSubcommandsInAnyCase() {
        assertEquals(CommandKind.DENIED, kind("shutdown"));
        assertEquals(CommandKind.DENIED, kind("CONFIG", "SET", "maxmemory", "1"));
        assertEquals(CommandKind.WRITE, kind("CONFIG", "GET", "maxmemory"), "only CONFIG SET is denied");
        assertEquals(CommandKind.DENIED, kind("ACL", "SETUSER", "u"));
    }

    @Test
    void denyingAnUnknownCommandIsAConfigurationError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CommandPolicy(CommandTable.builtin(), Set.of("NOSUCH")));
        assertTrue(e.getMessage().contains("NOSUCH"));
    }

    @Test
    void containerNames() {
        CommandArgs a = ArrayCommandArgs.of("config", "get", "x");
        assertEquals("CONFIG", policy.container(policy.lookup(a)));
        assertEquals("GET", policy.container(policy.lookup(ArrayCommandArgs.of("get", "k"))));
    }
}
