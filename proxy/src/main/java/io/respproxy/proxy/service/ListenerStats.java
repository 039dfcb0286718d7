package io.respproxy.proxy.service;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One listener's client-side counters: connections and bytes. A session looks its listener's
 * stats up once, when it starts; bytes are added once per read batch and once per flush.
 */
public final class ListenerStats {

    /** Why a connection was refused before it could send a command. */
    public enum Rejection {
        /** {@code limits.maxclients} reached: answered -ERR max number of clients reached. */
        MAXCLIENTS,
        /** Protected mode: a non-loopback client of a service without users. */
        PROTECTED_MODE
    }

    private final String name;
    /** Clients connected now. */
    public final AtomicInteger connected = new AtomicInteger();
    /** Connections given a session, ever (refused ones are not). */
    public final LongAdder accepted = new LongAdder();
    private final LongAdder[] rejected = new LongAdder[Rejection.values().length];
    /** Bytes read from clients / written to them, ever. */
    public final LongAdder bytesReceived = new LongAdder();
    public final LongAdder bytesSent = new LongAdder();
    /** Clients closed for overcoming their client-output-buffer-limit, ever. */
    public final LongAdder outputLimitCloses = new LongAdder();

    ListenerStats(String name) {
        this.name = name;
        for (int i = 0; i < rejected.length; i++) {
            rejected[i] = new LongAdder();
        }
    }

    public String name() {
        return name;
    }

    public void rejected(Rejection why) {
        rejected[why.ordinal()].increment();
    }

    public long rejectedCount(Rejection why) {
        return rejected[why.ordinal()].sum();
    }
}
