package io.respproxy.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

    private static final NodeAddress A = new NodeAddress("127.0.0.1", 6379);
    private static final NodeAddress B = new NodeAddress("127.0.0.1", 6380);

    @Test
    void aRefusedConnectDelaysTheNextOnesToThatNodeOnly() {
        ReconnectBackoff b = new ReconnectBackoff(Duration.ofSeconds(10), Duration.ofSeconds(60));
        assertNull(b.refusal(A));
        assertEquals("Connection refused", b.failed(A, "Connection refused"));
        String why = b.refusal(A);
        assertTrue(why.startsWith("retrying in ") && why.endsWith(" ms: Connection refused"), why);
        assertNull(b.refusal(B));
    }

    @Test
    void theDelayDoublesUpToMaxAndASuccessClearsIt() throws Exception {
        ReconnectBackoff b = new ReconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(4));
        b.failed(A, "x");
        Thread.sleep(5);
        assertNull(b.refusal(A), "1 ms passed");
        b.failed(A, "x"); // 2 ms
        b.failed(A, "x"); // 4 ms
        b.failed(A, "x"); // still 4 ms: max
        assertTrue(delayMillis(b.refusal(A)) <= 4);
        b.succeeded(A);
        assertNull(b.refusal(A));
    }

    private static long delayMillis(String refusal) {
        return Long.parseLong(refusal.substring("retrying in ".length(), refusal.indexOf(" ms")));
    }
}
