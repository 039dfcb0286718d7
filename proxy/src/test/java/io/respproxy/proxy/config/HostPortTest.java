package io.respproxy.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesNamesIpv4AndBracketedIpv6() {
        assertEquals(new HostPort("redis-1.example.com", 6379), HostPort.parse("redis-1.example.com:6379"));
        assertEquals(new HostPort("10.0.0.1", 1), HostPort.parse("10.0.0.1:1"));
        assertEquals(new HostPort("::1", 65535), HostPort.parse("[::1]:65535"));
        assertEquals("[::1]:6379", HostPort.parse("[::1]:6379").toString());
        assertEquals("10.0.0.1:6379", HostPort.parse(" 10.0.0.1:6379 ").toString());
    }

    @Test
    void rejectsBadAddressesWithAReason() {
        assertMessage("10.0.0.1", "bad address '10.0.0.1': expected host:port");
        assertMessage(":6379", "bad address ':6379': missing host");
        assertMessage("10.0.0.1:0", "bad address '10.0.0.1:0': port must be 1-65535");
        assertMessage("10.0.0.1:65536", "bad address '10.0.0.1:65536': port must be 1-65535");
        assertMessage("10.0.0.1:x", "bad address '10.0.0.1:x': bad port");
        assertMessage("::1:6379", "bad address '::1:6379': write IPv6 addresses in brackets, e.g. [::1]:6379");
        assertMessage("[::1]6379", "bad address '[::1]6379': expected [IPv6]:port");
        assertMessage("[host]:6379", "bad address '[host]:6379': not an IPv6 address in brackets");
        assertMessage("bad host:1", "bad address 'bad host:1': bad host name");
    }

    private static void assertMessage(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text)).getMessage());
    }

    @Test
    void hostsWithoutPort() {
        assertEquals("redis-0.redis.svc", HostPort.parseHost("redis-0.redis.svc"));
        assertEquals("10.0.0.1", HostPort.parseHost(" 10.0.0.1 "));
        assertEquals("fd00::1", HostPort.parseHost("[fd00::1]"));
        assertHostMessage("fd00::1", "bad host 'fd00::1': write IPv6 addresses in brackets, e.g. [fd00::1]");
        assertHostMessage("[redis-0]", "bad host '[redis-0]': not an IPv6 address in brackets");
        assertHostMessage("[::1", "bad host '[::1': not an IPv6 address in brackets");
        assertHostMessage("", "bad host '': missing host");
        assertHostMessage("a b", "bad host 'a b': bad host name");
        // the form only: written with a port or not
        assertTrue(HostPort.hasPort("10.0.0.1:6379"));
        assertTrue(HostPort.hasPort("[::1]:6379"));
        assertFalse(HostPort.hasPort("10.0.0.1"));
        assertFalse(HostPort.hasPort("[::1]"));
    }

    private static void assertHostMessage(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HostPort.parseHost(text)).getMessage());
    }

    @Test
    void wildcardOverlapsEveryHostOnItsPort() {
        HostPort any = HostPort.parse("0.0.0.0:6379");
        assertTrue(any.overlaps(HostPort.parse("10.0.0.1:6379")));
        assertTrue(HostPort.parse("10.0.0.1:6379").overlaps(HostPort.parse("[::]:6379")));
        assertTrue(HostPort.parse("10.0.0.1:6379").overlaps(HostPort.parse("10.0.0.1:6379")));
        assertFalse(HostPort.parse("10.0.0.1:6379").overlaps(HostPort.parse("10.0.0.2:6379")));
        assertFalse(any.overlaps(HostPort.parse("0.0.0.0:6380")));
    }
}
