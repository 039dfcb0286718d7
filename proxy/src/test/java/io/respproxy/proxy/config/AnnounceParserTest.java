package io.respproxy.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code announce} addresses a cluster-mode service accepts, and what {@code respproxy check} says about bad ones. */
class AnnounceParserTest {

    private static String clusterService(String extra) {
        return """
                respproxy.services.orders {
                  mode = cluster
                  listen { read = "0.0.0.0:7379", write = "0.0.0.0:7380" }
                  cluster.seeds = ["10.0.0.1:7000"]
                  %s
                }
                """.formatted(extra);
    }

    private static Map<String, HostPort> announce(String extra) throws ConfigException {
        return ProxyConfigLoader.loadFromString(clusterService(extra)).services().get("orders").announce();
    }

    /** "path: message" of every problem. */
    private static List<String> problems(String text) {
        return assertThrows(ConfigException.class, () -> ProxyConfigLoader.loadFromString(text))
                .problems().stream().map(p -> p.path() + ": " + p.message()).toList();
    }

    private static final String AT = "respproxy.services.orders.announce.";

    @Test
    void addressesByListenerNameAHostAloneKeepsTheListenersPort() throws Exception {
        assertEquals(Map.of("write", new HostPort("192.0.2.10", 17380), "read", new HostPort("proxy.example.com", 7379)),
                announce("announce { write = \"192.0.2.10:17380\", read = \"proxy.example.com\" }"));
        assertEquals(Map.of("write", new HostPort("fd00::1", 7380)), announce("announce.write = \"[fd00::1]\""));
        assertEquals(Map.of("read", new HostPort("fd00::1", 6379)), announce("announce.read = \"[fd00::1]:6379\""));
    }

    @Test
    void theSummaryShowsThem() throws Exception {
        String summary = String.join("\n", ConfigSummary.lines(ProxyConfigLoader.loadFromString(
                clusterService("announce { write = \"192.0.2.10:17380\", read = \"proxy.example.com\" }"))));
        assertTrue(summary.contains(" announce=[read@proxy.example.com:7379,write@192.0.2.10:17380]"), summary);
    }

    @Test
    void notSetAnnouncesNothing() throws Exception {
        assertEquals(Map.of(), announce(""));
        assertEquals(Map.of(), announce("announce { read = null }"));
    }

    @Test
    void badEntries() {
        assertEquals(List.of(AT + "auto: no listener 'auto' (listen.auto is not set)"),
                problems(clusterService("announce.auto = \"192.0.2.10:7381\"")));
        assertEquals(List.of(AT + "reed: unknown setting"), problems(clusterService("announce.reed = \"192.0.2.10\"")));
        assertEquals(List.of(AT + "write: bad address '192.0.2.10:x': bad port (expected \"host:port\" or \"host\""
                + " (the listener's port))"), problems(clusterService("announce.write = \"192.0.2.10:x\"")));
        assertEquals(List.of(AT + "write: bad address 'fd00::1': write IPv6 addresses in brackets, e.g. [::1]:6379"
                + " (expected \"host:port\" or \"host\" (the listener's port))"),
                problems(clusterService("announce.write = \"fd00::1\"")));
        assertEquals(List.of(AT + "write: expected \"host:port\" or \"host\" (the listener's port), got a number"),
                problems(clusterService("announce.write = 7380")));
        assertEquals(List.of(AT + "read: '0.0.0.0' is a wildcard address, which no client can connect to: announce"
                + " the address clients reach this listener at"), problems(clusterService("announce.read = \"0.0.0.0\"")));
        assertEquals(List.of("respproxy.services.orders.announce: expected an object, got '192.0.2.10'"),
                problems(clusterService("announce = \"192.0.2.10\"")));
    }

    @Test
    void onlyInClusterMode() {
        assertEquals(List.of("respproxy.services.cache.announce: only used when mode = cluster, to tell cluster-aware"
                        + " clients where the proxy is (this service has mode = static)"),
                problems(ConfigTexts.staticService("announce.read = \"192.0.2.10\"")));
    }
}
