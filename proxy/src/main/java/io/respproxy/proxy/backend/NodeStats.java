package io.respproxy.proxy.backend;

import io.respproxy.proxy.metrics.LatencyHistogram;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One service's counters for one backend node, over all its event loops: connections, their
 * churn, bytes, and the node's reply latency. Every loop adds to the same adders (striped cells:
 * no cross-core contention); /metrics reads them.
 */
public final class NodeStats {

    /** Connections established and not closed yet (shared, dedicated, control). */
    public final AtomicInteger connections = new AtomicInteger();
    /** Connections established, ever. */
    public final LongAdder opened = new LongAdder();
    /** Connects that failed (refused, timed out); a connect the reconnect backoff forbade is not one. */
    public final LongAdder connectFailures = new LongAdder();
    /** Shared connections opened again after the node lost the previous one. */
    public final LongAdder reconnects = new LongAdder();
    /** Shared connections set aside behind a long-running script ({@code backend.script-set-aside-after}). */
    public final LongAdder scriptSetAsides = new LongAdder();
    /** Established connections closed, by {@link BackendFailure.Kind} (CLOSED: the proxy closed it). */
    private final LongAdder[] closed = new LongAdder[BackendFailure.Kind.values().length];
    public final LongAdder bytesSent = new LongAdder();
    public final LongAdder bytesReceived = new LongAdder();
    /** From the write (flush) of a request to its reply; blocking commands excluded. */
    public final LatencyHistogram latency = new LatencyHistogram();
    /** writes.acknowledge = replicated: WAITs sent after batches of writes, those that counted too few replicas, and writes answered -NOREPLICAS. */
    public final LongAdder replicationWaits = new LongAdder();
    public final LongAdder replicationWaitsShort = new LongAdder();
    public final LongAdder unconfirmedWrites = new LongAdder();

    NodeStats() {
        for (int i = 0; i < closed.length; i++) {
            closed[i] = new LongAdder();
        }
    }

    void closed(BackendFailure.Kind why) {
        closed[why.ordinal()].increment();
    }

    /** Established connections closed for {@code why}, ever. */
    public long closedCount(BackendFailure.Kind why) {
        return closed[why.ordinal()].sum();
    }
}
