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
 * @param roleCheckInterval time between two role checks ({@code INFO replication} alone) of an up
 *                          node: how long a promotion can go unseen, so how long the old master
 *                          may still get writes that its demotion will discard
 */
public record HealthSettings(Duration interval, Duration timeout, int rise, int fall,
                             Duration maxReplicaLag, long maxReplicaLagBytes, Duration roleCheckInterval) {

    /** The default role-check cadence: a promotion is seen within about this. */
    public static final Duration DEFAULT_ROLE_CHECK_INTERVAL = Duration.ofMillis(100);

    public HealthSettings {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(roleCheckInterval, "roleCheckInterval");
        if (roleCheckInterval.isNegative() || roleCheckInterval.isZero()) {
            throw new IllegalArgumentException("roleCheckInterval must be positive");
        }
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(maxReplicaLag, "maxReplicaLag");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
    }

    /** Settings with the default role-check cadence. */
    public HealthSettings(Duration interval, Duration timeout, int rise, int fall,
                          Duration maxReplicaLag, long maxReplicaLagBytes) {
        this(interval, timeout, rise, fall, maxReplicaLag, maxReplicaLagBytes, DEFAULT_ROLE_CHECK_INTERVAL);
    }

    /** HAProxy-like defaults: 1 s interval and timeout, rise 2, fall 3, replicas at most 10 s behind. */
    public static HealthSettings defaults() {
        return new HealthSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3, Duration.ofSeconds(10), 0);
    }
}
