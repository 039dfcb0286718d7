package io.respproxy.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class DirectMemoryCheckTest {

    @Test
    void aBudgetAndAHalfMustFit() {
        assertNull(DirectMemoryCheck.problem(1L << 30, 1536L << 20));
        assertEquals(1536L << 20, DirectMemoryCheck.needed(1L << 30));
        assertNull(DirectMemoryCheck.problem(1L << 30, 4L << 30));
        assertEquals("respproxy.max-memory-clients = 1024 MiB needs 1536 MiB of direct memory (the budget and a"
                + " half for backend buffers and the allocator), and this JVM has 512 MiB: raise -XX:MaxDirectMemorySize or lower"
                + " max-memory-clients (the .deb's launcher sizes both from RESPPROXY_MAX_MEMORY_CLIENTS in"
                + " /etc/default/respproxy)", DirectMemoryCheck.problem(1L << 30, 512L << 20));
    }

    @Test
    void noBudgetNeedsNothing() {
        assertNull(DirectMemoryCheck.problem(0, 1L << 20));
    }
}
