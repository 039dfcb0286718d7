package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrackingTableTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Client id -> its messages, each rendered as the keys it carries. */
    private static String render(Map<Long, List<List<byte[]>>> out) {
        StringBuilder sb = new StringBuilder();
        out.forEach((id, messages) -> {
            sb.append(id).append('=');
            for (List<byte[]> m : messages) {
                sb.append(m.stream().map(k -> new String(k, StandardCharsets.UTF_8)).toList());
            }
            sb.append(' ');
        });
        return sb.toString().trim();
    }

    @Test
    void aKeyReadIsInvalidatedOncePerReaderThenForgotten() {
        TrackingTable t = new TrackingTable(0);
        t.remember(1, b("k"), "m");
        t.remember(2, b("k"), TrackingTable.ANY_NODE);
        t.remember(1, b("other"), "m");
        assertEquals(2, t.size());
        String first = render(t.invalidate(List.of(b("k"), b("unread")), "m", true));
        assertTrue(first.equals("1=[k] 2=[k]") || first.equals("2=[k] 1=[k]"), first);
        assertEquals("", render(t.invalidate(List.of(b("k")), "m", true)), "forgotten once invalidated, as in Redis");
        assertEquals(1, t.size());
    }

    /** Every node that applies a write reports it: a reader is told by the node it reads from only. */
    @Test
    void aReplicasDuplicateReportDoesNotConsumeAMasterReader() {
        TrackingTable t = new TrackingTable(0);
        t.remember(1, b("k"), "master");
        t.remember(2, b("k"), TrackingTable.ANY_NODE);
        assertEquals("2=[k]", render(t.invalidate(List.of(b("k")), "replica", false)), "the read-port reader only");
        assertEquals("1=[k]", render(t.invalidate(List.of(b("k")), "master", true)));
        assertEquals(0, t.size());
    }

    /**
     * A read the node tracks for the proxy is reported by the connection it tracks on (or its
     * redirect target), in the order of the writes: the broadcast's report of the same change (keys sorted) must not take it first. Once
     * that connection is closed, the broadcast is all that is left.
     */
    @Test
    void aReadTrackedByTheNodeIsToldByItsRedirectedReportsOnly() {
        TrackingTable t = new TrackingTable(0);
        boolean[] open = {true};
        TrackingTable.Via via = new TrackingTable.Via("m", "conn", () -> open[0]);
        t.remember(1, b("key1"), via);
        t.remember(1, b("key2"), via);
        t.broadcast(9, List.of(new byte[0]), true);
        assertEquals("9=[key1, key2]", render(t.invalidate(List.of(b("key1"), b("key2")), "m", true, null)),
                "the broadcast tells broadcast clients only");
        assertEquals("", render(t.invalidate(List.of(b("key2")), "m", true, "other conn")), "another connection's report");
        assertEquals("1=[key2]", render(t.invalidate(List.of(b("key2")), "m", true, "conn")),
                "the target's report, to no broadcast client");
        assertEquals("1=[key1]", render(t.invalidate(List.of(b("key1")), "m", true, "conn")));
        t.remember(1, b("key3"), via);
        open[0] = false;
        assertEquals("1=[key3] 9=[key3]", render(t.invalidate(List.of(b("key3")), "m", true, null)),
                "its connection closed: the broadcast tells it");
    }

    @Test
    void broadcastClientsGetOneMessagePerMatchingPrefix() {
        TrackingTable t = new TrackingTable(0);
        t.broadcast(7, List.of(b("a:"), b("b:")), true);
        t.broadcast(8, List.of(new byte[0]), false);
        String out = render(t.invalidate(List.of(b("a:1"), b("c:1"), b("b:2"), b("a:2")), "m", true));
        assertEquals("7=[a:1, a:2][b:2] 8=[a:1, c:1, b:2, a:2]", out);
        assertEquals("8=[x]", render(t.invalidate(List.of(b("x")), "r", false)),
                "a replica's report reaches only the clients that read from replicas");
        t.remember(7, b("a:read"), "m");
        assertEquals("7=[a:read] 8=[a:read]", render(t.invalidate(List.of(b("a:read")), "m", true)),
                "through its prefix only, not also as a key it read in default mode");
        t.stopBroadcast(8);
        assertEquals("", render(t.invalidate(List.of(b("x")), "m", true)));
    }

    @Test
    void pastTheBoundKeysAreDroppedAndTheirReadersTold() {
        TrackingTable t = new TrackingTable(2);
        assertTrue(t.remember(1, b("k1"), "m").isEmpty());
        assertTrue(t.remember(1, b("k2"), "m").isEmpty());
        Map<Long, List<byte[]>> dropped = t.remember(2, b("k3"), "m");
        assertEquals(2, t.size());
        assertEquals(1, dropped.values().stream().mapToInt(List::size).sum(), "one key dropped to keep the bound");
        t.clear();
        assertEquals(0, t.size());
        assertEquals("", render(t.invalidate(List.of(b("k1"), b("k2"), b("k3")), "m", true)));
    }
}
