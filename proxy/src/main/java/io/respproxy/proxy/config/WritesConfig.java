package io.respproxy.proxy.config;

import java.time.Duration;

/**
 * What a write's OK means: {@code services.NAME.writes}.
 *
 * @param replicated     {@code acknowledge = replicated}: a write is acknowledged only once
 *                       {@code minReplicas} replicas have it (one WAIT per backend connection per
 *                       flushed batch of writes), and writes wait while the master has fewer in
 *                       sync; false: {@code async}, Redis's own meaning (the master applied it)
 * @param minReplicas    replicas a write must reach, or {@link io.respproxy.routing.route.RoutingRules#MAJORITY}
 * @param replicaTimeout how long one WAIT waits for them; a write not confirmed is asked about
 *                       again until {@code failover.hold-timeout}, then answered -NOREPLICAS
 */
public record WritesConfig(boolean replicated, int minReplicas, Duration replicaTimeout) {
    public static final WritesConfig ASYNC = new WritesConfig(false, 1, Duration.ofSeconds(1));
}
