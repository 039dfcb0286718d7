package io.respproxy.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.respproxy.routing.NodeAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * {@code writes.acknowledge = replicated} as the backend connections carry it out
 * ({@link ReplicationGate}): how many replicas a write to a master must reach, how long one
 * {@code WAIT} waits for them, and how long a write may stay unconfirmed before it is answered
 * {@code -NOREPLICAS}.
 */
public final class ReplicationPolicy {

    /** WAIT frames are built once for up to this many replicas. */
    private static final int CACHED = 8;

    private final ToIntFunction<NodeAddress> replicasWanted;
    private final long timeoutMillis;
    private final LongSupplier holdNanos;
    /** {@code WAIT n timeout} for n = 1..CACHED: shared by every connection, never released. */
    private final ByteBuf[] frames = new ByteBuf[CACHED];

    /**
     * @param replicasWanted the replicas a write to a master must reach (from the service's current topology)
     * @param replicaTimeout one WAIT's timeout
     * @param holdNanos      how long a write may wait for its confirmation ({@code failover.hold-timeout},
     *                       read each time: a reload changes it)
     */
    public ReplicationPolicy(ToIntFunction<NodeAddress> replicasWanted, Duration replicaTimeout, LongSupplier holdNanos) {
        if (replicaTimeout.isNegative() || replicaTimeout.isZero()) {
            throw new IllegalArgumentException("replicaTimeout must be positive");
        }
        this.replicasWanted = replicasWanted;
        this.timeoutMillis = replicaTimeout.toMillis();
        this.holdNanos = holdNanos;
        for (int n = 1; n <= CACHED; n++) {
            frames[n - 1] = encode(n, timeoutMillis);
        }
    }

    int replicasWanted(NodeAddress master) {
        return Math.max(1, replicasWanted.applyAsInt(master));
    }

    long holdNanos() {
        return holdNanos.getAsLong();
    }

    /** The WAIT frame for {@code wanted} replicas: unreleasable, to be written borrowed. */
    ByteBuf waitFrame(int wanted) {
        return wanted <= CACHED ? frames[wanted - 1] : encode(wanted, timeoutMillis);
    }

    private static ByteBuf encode(int wanted, long timeoutMillis) {
        String n = Integer.toString(wanted);
        String t = Long.toString(timeoutMillis);
        String frame = "*3\r\n$4\r\nWAIT\r\n$" + n.length() + "\r\n" + n + "\r\n$" + t.length() + "\r\n" + t + "\r\n";
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(frame.getBytes(StandardCharsets.US_ASCII)));
    }
}
