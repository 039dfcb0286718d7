package io.respproxy.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigUtil;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code nat} entries a service accepts, and what {@code respproxy check} says about bad ones. */
class NatParserTest {

    private static NatConfig nat(String entries) throws ConfigException {
        return ProxyConfigLoader.loadFromString(ConfigTexts.staticService("nat { " + entries + " }"))
                .services().get("cache").nat();
    }

    /** "path: message" of every problem. */
    private static List<String> problems(String natValue) {
        return assertThrows(ConfigException.class,
                () -> ProxyConfigLoader.loadFromString(ConfigTexts.staticService("nat = " + natValue)))
                .problems().stream().map(p -> p.path() + ": " + p.message()).toList();
    }

    private static final String AT = "respproxy.services.cache.nat.";

    @Test
    void exactEntriesMapOneAddress() throws Exception {
        NatConfig n = nat("\"10.0.0.1:6379\" = \"127.0.0.1:7001\", \"redis-0.redis.svc:6379\" = \"127.0.0.1:7002\"");
        assertEquals(Map.of(new HostPort("10.0.0.1", 6379), new HostPort("127.0.0.1", 7001),
                new HostPort("redis-0.redis.svc", 6379), new HostPort("127.0.0.1", 7002)), n.exact());
        assertEquals(Map.of(), n.hosts());
        assertEquals(2, n.size());
    }

    @Test
    void hostEntriesMapEveryPortOfAHost() throws Exception {
        NatConfig n = nat("\"10.0.0.1\" = \"127.0.0.1\", \"redis-0.redis.svc\" = \"127.0.0.2\", \"[fd00::1]\" = \"[::1]\"");
        assertEquals(Map.of("10.0.0.1", "127.0.0.1", "redis-0.redis.svc", "127.0.0.2", "fd00::1", "::1"), n.hosts());
        assertEquals(Map.of(), n.exact());
    }

    @Test
    void bothKindsTogether() throws Exception {
        // the exact entry wins for its port; the host entry covers the others
        NatConfig n = nat("\"10.0.0.1:6379\" = \"127.0.0.1:7001\"\n\"10.0.0.1\" = \"127.0.0.1\"\n"
                + "\"[fd00::2]:6379\" = \"[::1]:7003\"");
        assertEquals(Map.of(new HostPort("10.0.0.1", 6379), new HostPort("127.0.0.1", 7001),
                new HostPort("fd00::2", 6379), new HostPort("::1", 7003)), n.exact());
        assertEquals(Map.of("10.0.0.1", "127.0.0.1"), n.hosts());
        assertEquals(3, n.size());
    }

    @Test
    void noEntries() throws Exception {
        assertSame(NatConfig.NONE, ProxyConfigLoader.loadFromString(ConfigTexts.staticService(""))
                .services().get("cache").nat());
        assertEquals(NatConfig.NONE, nat(""));
    }

    @Test
    void aHostOnOneSideAndHostPortOnTheOtherIsAProblem() {
        assertEquals(List.of(AT + "\"10.0.0.1\": '10.0.0.1' is a host but '127.0.0.1:7001' is host:port:"
                + " write both as \"host:port\" (that address only) or both as \"host\" (every port, kept as announced)"),
                problems("{ \"10.0.0.1\" = \"127.0.0.1:7001\" }"));
        assertEquals(List.of(AT + "\"redis-0.redis.svc:6379\": 'redis-0.redis.svc:6379' is host:port but"
                + " '127.0.0.1' is a host: write both as \"host:port\" (that address only) or both as \"host\""
                + " (every port, kept as announced)"),
                problems("{ \"redis-0.redis.svc:6379\" = \"127.0.0.1\" }"));
    }

    @Test
    void badHostsAndAddresses() {
        assertEquals(List.of(
                        AT + "\"10.0.0.1:0\": bad address '10.0.0.1:0': port must be 1-65535",
                        AT + "\"a b\": bad host 'a b': bad host name",
                        AT + "\"fd00::1\": bad address 'fd00::1': write IPv6 addresses in brackets,"
                                + " \"[fd00::1]\" for the host or \"[fd00::1]:6379\" with a port",
                        AT + "\"x:1\": bad address 'x:': bad port",
                        AT + "redis-0: bad host '[redis-0]': not an IPv6 address in brackets"),
                problems("""
                        {
                          "10.0.0.1:0" = "127.0.0.1:1"
                          "a b" = "127.0.0.1"
                          "fd00::1" = "127.0.0.1"
                          "redis-0" = "[redis-0]"
                          "x:1" = "x:"
                        }"""));
    }

    @Test
    void valuesMustBeStringsAndNatAnObject() {
        assertEquals(List.of(AT + "\"10.0.0.1:6379\": expected a string (\"host:port\" or \"host\"), got a number"),
                problems("{ \"10.0.0.1:6379\" = 7001 }"));
        // the schema check (reference.conf has nat = {}) speaks first
        assertEquals(List.of("respproxy.services.cache.nat: expected an object, got a list"),
                problems("[\"10.0.0.1:6379\"]"));
    }

    @Test
    void theSameAnnouncedAddressTwiceIsAProblem() {
        // one host to the address map, whichever way it is written; which of the two is reported
        // depends on the order Typesafe Config keeps object keys in
        assertDuplicate("redis-0", "Redis-0", problems("{ \"redis-0\" = \"127.0.0.1\", \"Redis-0\" = \"127.0.0.2\" }"));
        assertDuplicate("10.0.0.1:6379", "10.0.0.1:06379",
                problems("{ \"10.0.0.1:6379\" = \"127.0.0.1:1\"\n\"10.0.0.1:06379\" = \"127.0.0.1:2\" }"));
    }

    private static void assertDuplicate(String a, String b, List<String> problems) {
        String suffix = " (host names compare case-insensitively)";
        List<String> either = List.of(
                AT + ConfigUtil.joinPath(a) + ": the same announced address as \"" + b + "\"" + suffix,
                AT + ConfigUtil.joinPath(b) + ": the same announced address as \"" + a + "\"" + suffix);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(either.contains(problems.get(0)), problems.get(0));
    }
}
