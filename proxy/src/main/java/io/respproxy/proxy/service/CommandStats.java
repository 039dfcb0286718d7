package io.respproxy.proxy.service;

import java.util.concurrent.atomic.LongAdder;

/**
 * How one command (a name of the command table, or {@code unknown}) was answered: counted when
 * its reply takes its place in the client's reply order, as a success or an error reply, and how
 * long it took from read to reply.
 */
public final class CommandStats {

    /** The label every command the table does not know is counted under: bounded cardinality. */
    public static final String UNKNOWN = "unknown";

    private final String name;
    public final LongAdder ok = new LongAdder();
    public final LongAdder error = new LongAdder();
    private final LatencyBuckets latency = new LatencyBuckets();

    CommandStats(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** LATENCY HISTOGRAM's, since CONFIG RESETSTAT (the counters above never go back: /metrics). */
    public LatencyBuckets latency() {
        return latency;
    }

    public void answered(boolean isError) {
        (isError ? error : ok).increment();
    }
}
