package io.respproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AddressMapTest {

    static NodeAddress a(String s) {
        int colon = s.lastIndexOf(':');
        return new NodeAddress(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
    }

    @Test
    void exactEntryRewritesHostAndPort() {
        AddressMap m = AddressMap.of(Map.of(a("10.244.0.221:6379"), a("192.0.2.10:7001")));
        assertEquals(a("192.0.2.10:7001"), m.reachable(a("10.244.0.221:6379")));
        assertEquals(a("192.0.2.10:7001"), m.reachable("10.244.0.221", 6379));
        assertEquals(a("10.244.0.221:6380"), m.reachable(a("10.244.0.221:6380")), "another port: no entry");
    }

    @Test
    void hostEntryKeepsThePortAndExactWins() {
        AddressMap m = AddressMap.of(Map.of(a("10.0.0.1:6379"), a("127.0.0.1:7001")),
                Map.of("10.0.0.1", "192.0.2.10", "redis-0.redis.svc", "127.0.0.1"));
        assertEquals(a("127.0.0.1:7001"), m.reachable(a("10.0.0.1:6379")), "exact entry first");
        assertEquals(a("192.0.2.10:6380"), m.reachable(a("10.0.0.1:6380")), "host entry, port kept");
        assertEquals(a("127.0.0.1:6379"), m.reachable(a("Redis-0.Redis.SVC:6379")), "hostnames, any case");
    }

    @Test
    void unmappedAddressesAreReachableAsAnnounced() {
        AddressMap m = AddressMap.of(Map.of(a("10.0.0.1:6379"), a("127.0.0.1:7001")));
        assertEquals(a("10.0.0.2:6379"), m.reachable(a("10.0.0.2:6379")));
        assertSame(AddressMap.NONE, AddressMap.of(Map.of(), Map.of()));
        assertTrue(AddressMap.NONE.isEmpty());
        assertEquals(a("10.0.0.9:1"), AddressMap.NONE.reachable(a("10.0.0.9:1")));
    }

    @Test
    void ipv6HostEntries() {
        AddressMap m = AddressMap.of(Map.of(), Map.of("[fd00::1]", "::1", "fd00::2", "127.0.0.1"));
        assertEquals(new NodeAddress("::1", 6379), m.reachable(new NodeAddress("fd00::1", 6379)));
        assertEquals(a("127.0.0.1:6379"), m.reachable(new NodeAddress("FD00::2", 6379)));
    }

    @Test
    void hostEntriesMustNotCarryAPort() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AddressMap.of(Map.of(), Map.of("10.0.0.1:6379", "127.0.0.1")));
        assertTrue(e.getMessage().contains("10.0.0.1:6379"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AddressMap.of(Map.of(), Map.of(" ", "127.0.0.1")));
    }

    @Test
    void logLinesShowBothForms() {
        AddressMap m = AddressMap.of(Map.of(a("10.0.0.1:6379"), a("127.0.0.1:7001")));
        assertEquals("127.0.0.1:7001 (announced as 10.0.0.1:6379)", m.describe(a("10.0.0.1:6379")));
        assertEquals("10.0.0.2:6379", m.describe(a("10.0.0.2:6379")));
    }

    @Test
    void remembersTheRewritesItMadeForTheAdminView() {
        AddressMap m = AddressMap.of(Map.of(a("10.0.0.1:6379"), a("127.0.0.1:7001")), Map.of("redis-1", "127.0.0.1"));
        assertEquals(Map.of(), m.applied());
        m.reachable(a("10.0.0.1:6379"));
        m.reachable(a("redis-1:6380"));
        m.reachable(a("10.0.0.9:6379")); // no entry: not a rewrite
        assertEquals(Map.of(a("10.0.0.1:6379"), a("127.0.0.1:7001"), a("redis-1:6380"), a("127.0.0.1:6380")),
                m.applied());
        assertEquals(Map.of(a("10.0.0.1:6379"), a("127.0.0.1:7001")), m.exactEntries());
        assertEquals(Map.of("redis-1", "127.0.0.1"), m.hostEntries());
        assertEquals(Map.of(), AddressMap.NONE.applied());
    }
}
