package io.respproxy.proxy.cli;

/**
 * Whether the JVM's direct memory can hold the client-buffer budget ({@code max-memory-clients}):
 * client buffers are Netty direct buffers, and the backend connections, partial frames and the
 * allocator's own slack (memory freed on one event loop's arena serves no other) need room beside
 * them, so the budget plus a half must fit. A daemon that could run out of direct memory before
 * its budget evicts anyone refuses to start.
 */
final class DirectMemoryCheck {

    private DirectMemoryCheck() {}

    /** The direct memory a budget needs. */
    static long needed(long budget) {
        return budget + budget / 2;
    }

    /** Null when {@code maxDirect} holds {@code budget}; otherwise what to tell the operator. */
    static String problem(long budget, long maxDirect) {
        if (budget <= 0 || maxDirect <= 0 || needed(budget) <= maxDirect) {
            return null;
        }
        return "respproxy.max-memory-clients = " + mib(budget) + " needs " + mib(needed(budget))
                + " of direct memory (the budget and a half for backend buffers and the allocator), and this JVM has "
                + mib(maxDirect) + ": raise -XX:MaxDirectMemorySize or lower max-memory-clients"
                + " (the .deb's launcher sizes both from RESPPROXY_MAX_MEMORY_CLIENTS in /etc/default/respproxy)";
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }
}
