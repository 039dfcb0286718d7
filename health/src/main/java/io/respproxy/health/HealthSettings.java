package io.respproxy.health;

import java.time.Duration;
import java.util.Objects;

/**
 * How nodes are probed and judged, like HAProxy's {@code inter}/{@code rise}/{@code fall}.
 *
 * @param interval          time between two probes of one node
 * @param timeout           a probe not answered within this counts as a failure
 * @param rise              consecutive good probes before a down node is up again
 * @param fall              consecutive failed probes before an up node is down
 * @param maxReplicaLag     a replica whose master saw its last ack longer ago than this serves no reads
 * @param maxReplicaLagBytes a replica this many bytes behind its master serves no reads (0 = no limit)
 */
public record HealthSettings(Duration interval, Duration timeout, int rise, int fall,
                             Duration maxReplicaLag, long maxReplicaLagBytes) {

    public HealthSettings {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(maxReplicaLag, "maxReplicaLag");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
    }

    /** HAProxy-like defaults: 1 s interval and timeout, rise 2, fall 3, replicas at most 10 s behind. */
    public static HealthSettings defaults() {
        return new HealthSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3, Duration.ofSeconds(10), 0);
    }
}
